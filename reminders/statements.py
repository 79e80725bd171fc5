"""Monthly statements: a PDF per account family top (or per account at `STATEMENT_FAMILY_LEVEL`)
listing the open items of every account below it, an aging
summary, unapplied cash and credits, the portal link and a Pay link for the open items, emailed to
the AP contact."""

import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.aging import BUCKET_LABELS, BUCKETS, bucket_of
from core.money import ZERO
from ledger.hierarchy import level_keys, subtree_q
from ledger.models import CreditNote, Customer, Invoice, Payment
from reminders import languages, rendering
from reminders.models import MessageTemplate, OutboundMessage, Statement, StatementFailure, StatementRun
from reminders.outbox import message_queue, messages_dispatch
from reminders.recipients import statement_recipient

log = logging.getLogger(__name__)


@dataclass
class StatementData:
    customer: Customer
    as_of: date
    invoices: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    credits: list = field(default_factory=list)

    def bucket_of(self, invoice) -> str:
        return BUCKET_LABELS[bucket_of((self.as_of - invoice.due_date).days)]

    def aging(self) -> dict[str, dict[str, Decimal]]:
        """currency → bucket → open amount."""
        table: dict[str, dict[str, Decimal]] = defaultdict(lambda: {BUCKET_LABELS[name]: ZERO for name in BUCKETS})
        for invoice in self.invoices:
            table[invoice.currency][self.bucket_of(invoice)] += invoice.open_amount
        return dict(table)

    def totals(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for invoice in self.invoices:
            out[invoice.currency] += invoice.open_amount
        return dict(out)

    @property
    def total_open(self) -> Decimal:
        return sum((i.open_amount for i in self.invoices), Decimal("0.00"))


# --- family ---
def family_level() -> int | None:
    """The level of the hierarchy statements go per (`STATEMENT_FAMILY_LEVEL`): None = the top of each
    family, 1 = the accounts just below the top (each with everything below it), …"""
    return settings.STATEMENT_FAMILY_LEVEL


def statement_accounts(customer: Customer) -> Q:
    """The documents of the accounts a statement for `customer` lists: the customer and every account
    below it; an account above the statement level (whose accounts below get statements of their
    own) only itself."""
    level = family_level()
    if level is not None and customer.depth < level:
        return Q(customer=customer)
    return subtree_q(customer, "customer__")
# --- end family ---


def statement_data(customer: Customer, as_of: date) -> StatementData:
    """Open items of the account and, for a parent, of every account below it. Three queries (four
    for a parent below the top)."""
    family = statement_accounts(customer)
    return StatementData(
        customer=customer, as_of=as_of,
        invoices=list(Invoice.objects.filter(family, status=Invoice.Status.OPEN, open_amount__gt=0)
                      .select_related("customer", "charge_for").order_by("due_date", "external_id")),
        payments=list(Payment.objects.filter(family, status=Payment.Status.POSTED, unapplied_amount__gt=0)
                      .order_by("received_date")),
        credits=list(CreditNote.objects.filter(family, unapplied_amount__gt=0).order_by("issue_date")),
    )


def _table(rows, widths, money_cols=()):
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8), ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
             ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in money_cols]
    table.setStyle(TableStyle(style))
    return table


def _document_label(invoice: Invoice) -> str:
    """A late-payment fee or interest is listed as such, with the invoice it was charged on."""
    if invoice.document_type == Invoice.DocumentType.LATE_FEE:
        return f"{invoice.external_id}\n" + gettext("Late fee on %(invoice)s") % {"invoice": invoice.charge_for}
    if invoice.document_type == Invoice.DocumentType.INTEREST:
        return f"{invoice.external_id}\n" + gettext("Interest on %(invoice)s") % {"invoice": invoice.charge_for}
    return invoice.external_id


def pdf_text(value) -> str:
    """Text for a reportlab Paragraph, which reads its string as markup: a customer's name with
    `<link>`, `<img src=…>` or an unclosed `<b>` is printed as typed, never followed or opened.
    Every string from the book that reaches a Paragraph goes through here."""
    return escape(str(value), {'"': "&quot;"})


def statement_lines(data: StatementData) -> list[rendering.Line]:
    """The statement's open items as a message lists them (its Pay link names exactly these)."""
    return [rendering.Line(i.external_id, i.due_date, i.open_amount, i.currency, (data.as_of - i.due_date).days,
                           invoice_id=i.pk) for i in data.invoices]


def statement_pdf(data: StatementData, portal_link: str, pay_link: str = "", language: str = "") -> bytes:
    """The statement as a PDF; `pay_link` (rendering.pay_url of its open items) adds a Pay now link.
    Written in `language` (the statement email's, `statement_language`; LANGUAGE_CODE's by default),
    its amounts and dates as that language writes them (reminders.languages)."""
    language = languages.layout_language(language or languages.default_language())
    with translation.override(language):
        return _statement_pdf(data, portal_link, pay_link, language)


def _statement_pdf(data: StatementData, portal_link: str, pay_link: str, language: str) -> bytes:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    country = data.customer.country

    def num(value: Decimal) -> str:
        return languages.printable(languages.number(value, language, country))

    def day(value: date) -> str:
        return languages.printable(languages.day(value, language, country))

    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            title=gettext("Statement %(customer)s %(date)s") % {
                                "customer": data.customer.external_id, "date": f"{data.as_of:%Y-%m-%d}"})
    family = len({i.customer_id for i in data.invoices}) > 1
    story = [
        Paragraph(gettext("Statement of account — %(customer)s") % {"customer": pdf_text(data.customer.name)},
                  styles["Title"]),
        Paragraph(gettext("Customer %(customer)s · as of %(date)s") % {
            "customer": pdf_text(data.customer.external_id), "date": day(data.as_of)}, styles["Normal"]),
        Spacer(1, 6 * mm), Paragraph(gettext("Open items"), styles["Heading2"]),
    ]
    rows = [[gettext("Invoice"), *([gettext("Account")] if family else []), gettext("Issued"), gettext("Due"),
             gettext("Days late"), gettext("Amount"), gettext("Open"), gettext("Cur.")]]
    for i in data.invoices:
        rows.append([_document_label(i), *([i.customer.external_id] if family else []), day(i.issue_date),
                     day(i.due_date), str(max(0, (data.as_of - i.due_date).days)), num(i.amount),
                     num(i.open_amount), i.currency])
    for currency, total in sorted(data.totals().items()):
        rows.append([gettext("Total open"), *([""] if family else []), "", "", "", "", num(total), currency])
    widths = [28 * mm, *([22 * mm] if family else []), 22 * mm, 22 * mm, 18 * mm, 26 * mm, 26 * mm, 12 * mm]
    story += [_table(rows, widths, money_cols=range(len(rows[0]) - 4, len(rows[0]) - 1)),
              Spacer(1, 5 * mm), Paragraph(gettext("Aging summary (by due date)"), styles["Heading2"]),
              _aging_table(data, num), Spacer(1, 5 * mm),
              Paragraph(gettext("Unapplied cash and credits"), styles["Heading2"]), _unapplied_table(data, num, day)]
    link = f'<link href="{pdf_text(portal_link)}">{pdf_text(portal_link)}</link>'
    story += [Spacer(1, 6 * mm),
              Paragraph(gettext("See your account, download this statement or tell us about a problem: %(link)s")
                        % {"link": link}, styles["Normal"])]
    if pay_link:
        # The address names every open item: linked, not printed (it would not fit the line).
        label = gettext("Pay now")
        pay_now = f'<link href="{pdf_text(pay_link)}"><u>{pdf_text(label)}</u></link>'
        story += [Spacer(1, 3 * mm),
                  Paragraph(gettext("<b>Pay the open items online:</b> %(pay_now)s, or from your account page above.")
                            % {"pay_now": pay_now}, styles["Normal"])]
    doc.build(story)
    return buffer.getvalue()


def _aging_table(data: StatementData, num) -> Table:
    aging = [[gettext("Currency"), *[gettext("Current") if name == "current" else BUCKET_LABELS[name]
                                     for name in BUCKETS], gettext("Total")]]
    for currency, buckets in sorted(data.aging().items()):
        aging.append([currency, *[num(v) for v in buckets.values()], num(sum(buckets.values()))])
    return _table(aging, [20 * mm] + [26 * mm] * 6, money_cols=range(1, 7))


def _unapplied_table(data: StatementData, num, day) -> Table:
    unapplied = [[gettext("Reference"), gettext("Date"), gettext("Kind"), gettext("Unapplied"), gettext("Cur.")]]
    unapplied += [[p.external_id, day(p.received_date), gettext("Payment"), num(p.unapplied_amount), p.currency]
                  for p in data.payments]
    unapplied += [[c.external_id, day(c.issue_date), gettext("Credit note"), num(c.unapplied_amount), c.currency]
                  for c in data.credits]
    if len(unapplied) == 1:
        unapplied.append([gettext("None"), "", "", "", ""])
    return _table(unapplied, [35 * mm, 25 * mm, 30 * mm, 30 * mm, 15 * mm], money_cols=[3])


def statement_language(customer: Customer, template: MessageTemplate | None = None) -> str:
    """The language of an account's statement (its PDF and its email): the statement recipient's,
    when the statement template is translated into it, else LANGUAGE_CODE's (never a mix)."""
    contact = statement_recipient(customer)
    wanted = languages.wanted_language(customer, contact)
    if template is None:
        template = MessageTemplate.objects.filter(kind=MessageTemplate.Kind.STATEMENT).order_by("pk").first()
    return languages.text_language(template, wanted) if template is not None else languages.layout_language(wanted)


def first_business_day(month: date) -> date:
    day = month.replace(day=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def statements_to_print(customers, month: date):
    """The month's statements that were not emailed (a paper customer, or no AP email that works),
    among `customers`: they go by post."""
    return (Statement.objects.filter(month=month.replace(day=1), message__isnull=True, customer__in=customers)
            .select_related("customer").order_by("customer__name", "pk"))


def statement_customers():
    """Family tops (and stand-alone accounts) with something to show: open items or unapplied
    cash or credits anywhere in the family. Closed accounts get no statement. With
    `STATEMENT_FAMILY_LEVEL` set, the accounts at that level (and those above it, for their own
    items) instead."""
    has_items = (Q(invoices__status=Invoice.Status.OPEN, invoices__open_amount__gt=0)
                 | Q(payments__unapplied_amount__gt=0, payments__status=Payment.Status.POSTED)
                 | Q(credit_notes__unapplied_amount__gt=0))
    open_customers = Customer.objects.exclude(status=Customer.Status.CLOSED)
    level = family_level()
    if level is None:
        with_items = Customer.objects.filter(has_items).values("family_top_id")
        return open_customers.filter(parent__isnull=True).filter(
            Q(pk__in=Customer.objects.filter(has_items).values("pk")) | Q(pk__in=with_items))
    with_items = list(Customer.objects.filter(has_items).values_list("pk", flat=True).distinct())
    return open_customers.filter(pk__in=set(level_keys(with_items, level).values()))


def statement_issue(*, customer: Customer, month: date, as_of: date | None = None, run: StatementRun | None = None,
                    by=None, send: bool = True, dispatch: bool = True) -> Statement:
    """The month's statement for an account: rendered once, stored, and emailed to the AP contact
    through the outbox. Asking again for the same month returns the statement already issued."""
    month = month.replace(day=1)
    existing = Statement.objects.filter(customer=customer, month=month).first()
    if existing:
        return existing
    as_of = as_of or timezone.localdate()
    data = statement_data(customer, as_of)
    pdf = statement_pdf(data, rendering.portal_url(customer),
                        rendering.pay_url(customer, statement_lines(data), origin="statement"),
                        language=statement_language(customer))
    name = f"statement-{customer.external_id}-{month:%Y-%m}.pdf"
    try:
        with transaction.atomic():
            statement = Statement(customer=customer, month=month, as_of=as_of, run=run, total_open=data.total_open)
            statement.pdf.save(name, ContentFile(pdf), save=False)
            statement.save()
            if send:
                statement.message = _statement_message(statement, data, pdf, name, by, dispatch)
                statement.save(update_fields=["message"])
            if run is not None:
                StatementRun.objects.filter(pk=run.pk).update(done=F("done") + 1)
    except IntegrityError:
        return Statement.objects.get(customer=customer, month=month)
    return statement


def _statement_message(statement: Statement, data: StatementData, pdf: bytes, name: str, by, dispatch: bool):
    contact = statement_recipient(statement.customer)
    template = MessageTemplate.objects.filter(kind=MessageTemplate.Kind.STATEMENT).order_by("pk").first()
    if contact is None or template is None:
        return None
    key = f"statement:{statement.customer_id}:{statement.month:%Y-%m}"
    ctx = rendering.context_for(customer=statement.customer, contact=contact, lines=statement_lines(data), key=key,
                                month=statement.month, pay_origin="statement")
    made = rendering.render_message(template, ctx)  # --- html: both parts ---
    message, _ = message_queue(customer=statement.customer, kind=OutboundMessage.Kind.STATEMENT, key=key,
                               contact=contact, subject=made.subject, body=made.body, by=by, attachment=(name, pdf),
                               dispatch=dispatch, html_body=made.html_body, language=made.language)
    return message


STATEMENT_BATCH = 10


def statement_run(*, month: date) -> StatementRun:
    """Start (or resume) the month's statement run: every account that should get a statement
    and has none yet is handed to the workers. Safe to call again; nothing is issued twice."""
    month = month.replace(day=1)
    customer_ids = list(statement_customers().values_list("pk", flat=True))
    issued = set(Statement.objects.filter(month=month, customer_id__in=customer_ids)
                 .values_list("customer_id", flat=True))
    with transaction.atomic():
        run, _ = StatementRun.objects.get_or_create(month=month)
        todo = [pk for pk in customer_ids if pk not in issued]
        StatementFailure.objects.filter(run=run).delete()  # the accounts that failed are tried again
        StatementRun.objects.filter(pk=run.pk).update(
            total=len(customer_ids), done=len(issued), failed=0,
            status=StatementRun.Status.RUNNING if todo else "done",
            finished_at=None if todo else timezone.now(),
        )
        batches = [todo[i:i + STATEMENT_BATCH] for i in range(0, len(todo), STATEMENT_BATCH)]
        transaction.on_commit(lambda: [statements_issue_task.delay(b, month.isoformat(), run.pk) for b in batches])
    run.refresh_from_db()
    return run


def statement_run_progress(*, run_id: int) -> StatementRun:
    """A run is done once every account in it has its statement or failed (and says why)."""
    run = StatementRun.objects.get(pk=run_id)
    if run.status == StatementRun.Status.RUNNING and run.done + run.skipped + run.failed >= run.total:
        StatementRun.objects.filter(pk=run.pk, status=StatementRun.Status.RUNNING).update(
            status=StatementRun.Status.DONE, finished_at=timezone.now())
        run.refresh_from_db()
    return run


def statements_due(today: date) -> date | None:
    """The statement month to run now, if any: from the first business day of the month on, while
    that month's run has not completed. A missed day or a stopped server only delays it."""
    month = today.replace(day=1)
    if today < first_business_day(month):
        return None
    if StatementRun.objects.filter(month=month, status=StatementRun.Status.DONE).exists():
        return None
    return month


def statement_failed(*, run: StatementRun | None, customer: Customer, error: Exception) -> StatementFailure | None:
    """An account's statement could not be made: the run records which and why (the manager sees it
    on the statements page) and counts it, so the run still completes; starting the run again retries."""
    log.exception("statements: %s (%s) failed", customer.external_id, customer.pk, exc_info=error)
    if run is None:
        return None
    with transaction.atomic():
        failure, created = StatementFailure.objects.get_or_create(
            run=run, customer=customer, defaults={"error": f"{type(error).__name__}: {error}"[:2000]})
        if created:
            StatementRun.objects.filter(pk=run.pk).update(failed=F("failed") + 1)
    return failure


@shared_task(name="reminders.tasks.statements_issue_task", acks_late=True, soft_time_limit=540, time_limit=600)
def statements_issue_task(customer_ids: list[int], month: str, run_id: int | None = None) -> int:
    run = StatementRun.objects.filter(pk=run_id).first() if run_id else None
    queued = []
    for customer in Customer.objects.filter(pk__in=customer_ids):
        try:
            statement = statement_issue(customer=customer, month=date.fromisoformat(month), run=run, dispatch=False)
        except Exception as exc:  # noqa: BLE001 - one account's failure is recorded; the batch goes on
            statement_failed(run=run, customer=customer, error=exc)
            continue
        if statement.message_id and statement.message.status == statement.message.Status.QUEUED:
            queued.append(statement.message_id)
    messages_dispatch(queued)
    if run is not None:
        statement_run_progress(run_id=run.pk)
    return len(customer_ids)
