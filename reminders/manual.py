"""Messages a collector sends from the account workspace. They go through the same outbox as the
automated ones (one row each, sent once, on the timeline)."""

import io

from django.utils import timezone, translation
from django.utils.translation import gettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from ledger.models import Contact, Customer, Invoice
from reminders import languages, rendering
from reminders.models import MessageTemplate, OutboundMessage
from reminders.outbox import message_queue
from reminders.recipients import statement_recipient
from reminders.statements import pdf_text, statement_data, statement_pdf


def lines_of(invoices, on) -> list[rendering.Line]:
    return [rendering.Line(i.external_id, i.due_date, i.open_amount, i.currency, (on - i.due_date).days)
            for i in invoices]


def message_preview(*, customer: Customer, template: MessageTemplate, contact: Contact | None = None,
                    invoices=None) -> tuple[str, str]:
    """The template filled for a real account (its open invoices unless some are named). A template
    that cannot be filled in (one saved before templates were tried on save) says why, in place of
    its body, so the preview and the compose form show it."""
    made = message_preview_parts(customer=customer, template=template, contact=contact, invoices=invoices)
    return made.subject, made.body


# --- html ---
def message_preview_parts(*, customer: Customer, template: MessageTemplate, contact: Contact | None = None,
                          invoices=None, language: str | None = None) -> rendering.Rendered:
    """Both parts of the template for a real account, in `language` (default: the recipient's),
    as the message would go out; the reason in the text part, and no HTML part, when it fails."""
    today = timezone.localdate()
    if invoices is None:
        invoices = customer.invoices.filter(status=Invoice.Status.OPEN).order_by("due_date", "external_id")
    contact = contact or customer.contacts.filter(active=True).order_by("-is_primary", "pk").first()
    ctx = rendering.context_for(customer=customer, contact=contact, lines=lines_of(invoices, today),
                                month=today.replace(day=1), language=language)
    try:
        return rendering.render_message(template, ctx)
    except rendering.MessageRenderError as exc:
        return rendering.Rendered("", f"This template cannot be filled in: {exc}\n", "", ctx["language"])
# --- end html ---


# What a missed-installment message adds to the placeholders (reminders.plan_notices), so that a
# template of that kind can be tried before it is saved.
SAMPLE_PLAN = {"installment_number": "2", "installment_amount": "300.00 USD", "installment_due": "2026-01-15",
               "plan_table": "#   Due date          Amount          Paid  Status", "plan_remaining": "600.00 USD"}


def template_check_errors(*, subject: str, body: str) -> dict[str, str]:
    """Fill a template's subject and body for a real account of the book (the first with open
    invoices, else any; a sample when the book is empty) before it is saved: {field: why it fails}.
    A template that passes here does not stop the dunning pass for want of a file or a tag."""
    customer = (Customer.objects.filter(invoices__status=Invoice.Status.OPEN).order_by("pk").first()
                or Customer.objects.order_by("pk").first())
    if customer is not None:
        today = timezone.localdate()
        invoices = customer.invoices.filter(status=Invoice.Status.OPEN).order_by("due_date", "external_id")[:20]
        contact = customer.contacts.filter(active=True).order_by("-is_primary", "pk").first()
        ctx = rendering.context_for(customer=customer, contact=contact, lines=lines_of(invoices, today),
                                    month=today.replace(day=1))
    else:
        ctx = {name: f"[{name}]" for name in rendering.PLACEHOLDERS}
    ctx.update(SAMPLE_PLAN)
    errors = {}
    for field, text in (("subject", subject), ("body", body)):
        try:
            rendering.render_text(text, ctx)
        except rendering.MessageRenderError as exc:
            errors[field] = str(exc)
    return errors


def message_write(*, customer: Customer, contact: Contact, subject: str, body: str, invoices=(), nonce: str,
                  by=None) -> OutboundMessage:
    """A collector's own email to the account, queued once however often the form is submitted."""
    made = rendering.message_parts(subject, body, None)  # --- html: the collector's text, branded ---
    message, _ = message_queue(customer=customer, kind=OutboundMessage.Kind.MANUAL, key=f"manual:{customer.pk}:{nonce}",
                               contact=contact, subject=subject, body=made.body, invoices=list(invoices), by=by,
                               html_body=made.html_body)
    return message


def statement_send_now(*, customer: Customer, nonce: str, by=None) -> OutboundMessage | None:
    """Email today's statement to the AP contact, outside the monthly run. None when the account
    has no AP contact who receives statements."""
    contact = statement_recipient(customer)
    template = MessageTemplate.objects.filter(kind=MessageTemplate.Kind.STATEMENT).order_by("pk").first()
    if contact is None or template is None:
        return None
    today = timezone.localdate()
    data = statement_data(customer, today)
    key = f"statement-now:{customer.pk}:{nonce}"
    ctx = rendering.context_for(customer=customer, contact=contact, lines=lines_of(data.invoices, today), key=key,
                                month=today.replace(day=1))
    made = rendering.render_message(template, ctx)  # --- html: both parts ---
    pdf = statement_pdf(data, rendering.portal_url(customer), language=made.language)
    message, _ = message_queue(customer=customer, kind=OutboundMessage.Kind.STATEMENT, key=key, contact=contact,
                               subject=made.subject, body=made.body, invoices=data.invoices, by=by,
                               attachment=(f"statement-{customer.external_id}-{today}.pdf", pdf),
                               html_body=made.html_body, language=made.language)
    return message


def invoice_copy_pdf(invoice: Invoice, language: str = "") -> bytes:
    """The copy of an invoice a collector emails, in `language` (the email's; LANGUAGE_CODE's by default)."""
    language = languages.layout_language(language or languages.default_language())
    country = invoice.customer.country
    with translation.override(language):
        styles = getSampleStyleSheet()
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, title=gettext("Invoice %(invoice)s") % {
            "invoice": invoice.external_id})
        rows = [[gettext("Invoice"), invoice.external_id],
                [gettext("Customer"), f"{invoice.customer.name} ({invoice.customer.external_id})"],
                [gettext("Issued"), languages.day(invoice.issue_date, language, country)],
                [gettext("Due"), languages.day(invoice.due_date, language, country)],
                [gettext("PO number"), invoice.po_number or "—"],
                [gettext("Amount"), languages.money(invoice.amount, invoice.currency, language, country)],
                [gettext("Open"), languages.money(invoice.open_amount, invoice.currency, language, country)]]
        title = gettext("Copy of invoice %(invoice)s") % {"invoice": pdf_text(invoice.external_id)}
        doc.build([Paragraph(title, styles["Title"]), Spacer(1, 12),
                   Table([[label, languages.printable(value)] for label, value in rows])])
    return buffer.getvalue()


def invoice_copy_send(*, invoice: Invoice, contact: Contact, nonce: str, by=None) -> OutboundMessage:
    """Resend a copy of an invoice (as a PDF) to a contact of the account."""
    customer = invoice.customer
    template = MessageTemplate.objects.filter(kind=MessageTemplate.Kind.INVOICE_COPY).order_by("pk").first()
    key = f"invoice-copy:{invoice.pk}:{nonce}"
    ctx = rendering.context_for(customer=customer, contact=contact, lines=lines_of([invoice], timezone.localdate()),
                                key=key)
    if template is not None:
        made = rendering.render_message(template, ctx)  # --- html: both parts ---
    else:
        made = rendering.message_parts(f"Copy of invoice {invoice.external_id}", ctx["invoice_table"], ctx)
    message, _ = message_queue(customer=customer, kind=OutboundMessage.Kind.INVOICE_COPY, key=key, contact=contact,
                               subject=made.subject, body=made.body, invoices=[invoice], by=by,
                               attachment=(f"invoice-{invoice.external_id}.pdf",
                                           invoice_copy_pdf(invoice, made.language)),
                               html_body=made.html_body, language=made.language)
    return message
