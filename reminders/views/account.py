"""The messages panel of the account workspace: recent messages and statements, and the manual
emails (statement now, invoice copy, write from a template), all through the outbox."""

import io
import uuid

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.web import is_partial, safe_next_url
from ledger.selectors import visible_customers
from portfolios.access import any_role, can_manage
from reminders import selectors
from reminders.forms import ComposeForm, DunningSettingsForm, InvoiceCopyForm
from reminders.manual import invoice_copy_send, message_preview, message_write, statement_send_now
from reminders.models import CustomerDunningSettings, MessageTemplate
from reminders.rendering import portal_url
from reminders.statements import statement_data, statement_pdf


def _customer(request, pk: int):
    return get_object_or_404(visible_customers(request.user), pk=pk)


def _back(request, customer):
    """Back to the page the form was on (the workspace) when it is one of ours, else the panel."""
    return redirect(safe_next_url(request, reverse("account_messages", kwargs={"customer_pk": customer.pk})))


@require_GET
@any_role
def account_messages(request, customer_pk: int):
    customer = _customer(request, customer_pk)
    settings_row = CustomerDunningSettings.objects.filter(customer=customer).first()
    ctx = {
        "nav": "accounts", "customer": customer, "messages_sent": selectors.account_messages(customer),
        "statements": selectors.account_statements(customer), "copy_form": InvoiceCopyForm(customer=customer),
        "nonce": uuid.uuid4(), "templates": MessageTemplate.objects.all(),
        # Forms in the panel come back to the page that shows it (the workspace, when loaded there).
        "back": (request.htmx.current_url_abs_path if request.htmx else None) or request.get_full_path(),
        "settings_form": DunningSettingsForm(instance=settings_row) if can_manage(request.user) else None,
    }
    if is_partial(request):
        return render(request, "reminders/account_messages.html#panel", ctx)
    return render(request, "reminders/account_messages.html", ctx)


@require_POST
@any_role
def account_statement_now(request, customer_pk: int):
    customer = _customer(request, customer_pk)
    message = statement_send_now(customer=customer, nonce=request.POST.get("nonce") or uuid.uuid4().hex,
                                 by=request.user)
    if message is None:
        messages.error(request, "No AP contact receives statements for this account.")
    else:
        messages.success(request, f"Statement queued for {message.to_email}.")
    return _back(request, customer)


@require_GET
@any_role
def account_statement_pdf(request, customer_pk: int):
    """Today's statement for the account, rendered on the spot."""
    customer = _customer(request, customer_pk)
    today = timezone.localdate()
    pdf = statement_pdf(statement_data(customer, today), portal_url(customer))
    return FileResponse(io.BytesIO(pdf), as_attachment=True, content_type="application/pdf",
                        filename=f"statement-{customer.external_id}-{today}.pdf")


@require_POST
@any_role
def account_invoice_copy(request, customer_pk: int):
    customer = _customer(request, customer_pk)
    form = InvoiceCopyForm(request.POST, customer=customer)
    contact = customer.contacts.filter(active=True, email_bounced_at__isnull=True).exclude(email="") \
        .order_by("-is_primary", "pk").first()
    if not form.is_valid() or contact is None:
        messages.error(request, "Pick an invoice of this account; the account needs a contact with an email.")
        return _back(request, customer)
    message = invoice_copy_send(invoice=form.cleaned_data["invoice"], contact=contact,
                                nonce=request.POST.get("nonce") or uuid.uuid4().hex, by=request.user)
    messages.success(request, f"Copy of {form.cleaned_data['invoice']} queued for {message.to_email}.")
    return _back(request, customer)


@require_http_methods(["GET", "POST"])
@any_role
def account_compose(request, customer_pk: int):
    """Write to the account from a template: the template is filled in, the collector edits it."""
    customer = _customer(request, customer_pk)
    if request.method == "POST":
        form = ComposeForm(request.POST, customer=customer)
        if form.is_valid():
            data = form.cleaned_data
            message = message_write(customer=customer, contact=data["contact"], subject=data["subject"],
                                    body=data["body"], invoices=data["invoices"], nonce=str(data["nonce"]),
                                    by=request.user)
            messages.success(request, f"Email to {message.to_email} queued.")
            return redirect("account_messages", customer_pk=customer.pk)
    else:
        template = MessageTemplate.objects.filter(pk=request.GET.get("template")).first() if \
            request.GET.get("template", "").isdigit() else None
        template = template or MessageTemplate.objects.filter(kind=MessageTemplate.Kind.FREE).first()
        subject, body = message_preview(customer=customer, template=template) if template else ("", "")
        contact = customer.contacts.filter(active=True).exclude(email="").order_by("-is_primary", "pk").first()
        form = ComposeForm(customer=customer, initial={"template": template, "subject": subject, "body": body,
                                                       "contact": contact, "nonce": uuid.uuid4()})
    return render(request, "reminders/compose.html", {"nav": "accounts", "customer": customer, "form": form})
