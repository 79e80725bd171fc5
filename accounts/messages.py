"""The workspace's messages panel: the manual emails (statement now, an invoice copy, a message
written from a template), today's statement as a PDF and the account's dunning settings, all sent
through the reminders outbox. Each answers with the messages panel (HTMX) or a redirect back; a
refused one comes back with its error, in the panel or in the whole page (422)."""

import io
import uuid

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.workspace import dunning_settings_of, panel_done, show_panel, work_roles, workspace_customer
from core.web import safe_next_url
from ledger.models import Customer
from portfolios.access import any_role, manager_required
from reminders.forms import ComposeForm, DunningSettingsForm, InvoiceCopyForm
from reminders.manual import invoice_copy_send, message_preview, message_write, statement_send_now
from reminders.models import MessageTemplate
from reminders.rendering import MessageRenderError, portal_url
from reminders.statements import statement_data, statement_pdf

PANEL = "messages"
# A template saved before templates were tried on save may not fill in: say so, and where to fix it.
TEMPLATE_BROKEN = "its template cannot be filled in (a manager fixes it under Dunning policies → Templates):"


def _back(request: HttpRequest, customer: Customer) -> str:
    """The page the form asked to go back to when it is one of ours, else the account's messages."""
    return safe_next_url(request, reverse("account_messages", args=[customer.pk]))


def _nonce(request: HttpRequest) -> str:
    return request.POST.get("nonce") or uuid.uuid4().hex


@require_POST
@work_roles  # emails the customer: not finance (portfolios.role_table)
def account_statement_now(request: HttpRequest, pk: int) -> HttpResponse:
    customer = workspace_customer(request, pk)
    try:
        message = statement_send_now(customer=customer, nonce=_nonce(request), by=request.user)
    except MessageRenderError as exc:
        return show_panel(request, customer, PANEL, status=422, error=f"No statement sent: {TEMPLATE_BROKEN} {exc}")
    if message is None:
        return show_panel(request, customer, PANEL, status=422,
                          error="No AP contact receives statements for this account.")
    return panel_done(request, customer, PANEL, f"Statement queued for {message.to_email}.",
                      to=_back(request, customer))


@require_GET
@any_role
def account_statement_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """Today's statement for the account, rendered on the spot."""
    customer = workspace_customer(request, pk)
    today = timezone.localdate()
    pdf = statement_pdf(statement_data(customer, today), portal_url(customer))
    return FileResponse(io.BytesIO(pdf), as_attachment=True, content_type="application/pdf",
                        filename=f"statement-{customer.external_id}-{today}.pdf")


@require_POST
@work_roles  # emails the customer: not finance (portfolios.role_table)
def account_invoice_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Email a copy of one of the account's invoices (each invoice row has the button)."""
    customer = workspace_customer(request, pk)
    form = InvoiceCopyForm(request.POST, customer=customer)
    contact = customer.contacts.filter(active=True, email_bounced_at__isnull=True).exclude(email="") \
        .order_by("-is_primary", "pk").first()
    if not form.is_valid() or contact is None:
        error = "No copy sent: " + ("pick an invoice of this account." if contact else
                                    "the account needs an active contact with a working email.")
        return show_panel(request, customer, PANEL, status=422, error=error)
    invoice = form.cleaned_data["invoice"]
    try:
        message = invoice_copy_send(invoice=invoice, contact=contact, nonce=_nonce(request), by=request.user)
    except MessageRenderError as exc:
        return show_panel(request, customer, PANEL, status=422, error=f"No copy sent: {TEMPLATE_BROKEN} {exc}")
    return panel_done(request, customer, PANEL, f"Copy of {invoice} queued for {message.to_email}.",
                      to=_back(request, customer))


def _compose_form(request: HttpRequest, customer: Customer) -> ComposeForm:
    """A new message from the template asked for (else the first free-text one), filled in."""
    asked = request.GET.get("template", "")
    template = MessageTemplate.objects.filter(pk=asked).first() if asked.isdigit() else None
    template = template or MessageTemplate.objects.filter(kind=MessageTemplate.Kind.FREE).first()
    subject, body = message_preview(customer=customer, template=template) if template else ("", "")
    contact = customer.contacts.filter(active=True).exclude(email="").order_by("-is_primary", "pk").first()
    return ComposeForm(customer=customer, auto_id="compose_%s", initial={
        "template": template, "subject": subject, "body": body, "contact": contact, "nonce": uuid.uuid4()})


@require_http_methods(["GET", "POST"])
@work_roles  # emails the customer: not finance (portfolios.role_table)
def account_compose(request: HttpRequest, pk: int) -> HttpResponse:
    """Write to the account from a template: the template is filled in, the collector edits it."""
    customer = workspace_customer(request, pk)
    if request.method == "GET":
        return show_panel(request, customer, PANEL, {"compose_form": _compose_form(request, customer)})
    form = ComposeForm(request.POST, customer=customer, auto_id="compose_%s")
    if not form.is_valid():
        return show_panel(request, customer, PANEL, {"compose_form": form}, status=422)
    data = form.cleaned_data
    message = message_write(customer=customer, contact=data["contact"], subject=data["subject"], body=data["body"],
                            invoices=data["invoices"], nonce=str(data["nonce"]), by=request.user)
    return panel_done(request, customer, PANEL, f"Email to {message.to_email} queued.", to=_back(request, customer))


@require_POST
@manager_required
def customer_dunning_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Another policy than the segment's for this account, or no automated reminders at all."""
    customer = workspace_customer(request, pk)
    form = DunningSettingsForm(request.POST, instance=dunning_settings_of(customer), auto_id="dunning_%s")
    if not form.is_valid():
        return show_panel(request, customer, PANEL, {"settings_form": form}, status=422,
                          error="Dunning settings not saved: see the form below.")
    form.save()
    return panel_done(request, customer, PANEL, "Dunning settings saved.", to=_back(request, customer))
