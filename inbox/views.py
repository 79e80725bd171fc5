"""The AR inbox (/inbox/): customers' mail nobody could match, and recent matched mail; an email's
page shows the whole message (as text: never a customer's HTML), and what to do with it: assign it to
an account in one click, confirm the promise it proposes, open the dispute it proposes, offer its
attachments to cash application, or mark it handled. Thin views: inbox.effects and inbox.handling
decide, inbox.selectors read."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cashapp.forms import customer_search
from core.web import is_partial
from inbox import handling, selectors
from inbox.effects import inbound_assign
from inbox.forms import AssignForm, DisputeOpenForm, InboxFilterForm, PromiseConfirmForm
from inbox.models import InboundAttachment, InboundEmail
from ledger.selectors import visible_customers
from portfolios.access import has_role, role_required
from portfolios.models import Role

readers = role_required(Role.COLLECTOR, Role.MANAGER, Role.FINANCE)
workers = role_required(Role.COLLECTOR, Role.MANAGER)
ITEM = "inbox/item.html"


def _errors(failure: Exception) -> str:
    return " ".join(getattr(failure, "messages", None) or [str(failure)])


def _email(request: HttpRequest, pk: int) -> InboundEmail:
    """An email the user may open (their accounts' and the unmatched ones); anything else is a 404."""
    return get_object_or_404(selectors.visible(request.user).select_related(
        "customer", "contact", "answers", "assigned_by"), pk=pk)


@require_GET
@readers
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    show, q, error = "unmatched", "", ""
    if form.is_bound:
        if form.is_valid():
            show, q = form.cleaned_data["show"] or "unmatched", form.cleaned_data["q"].strip()
        else:
            error = "; ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items())
    rows = list(selectors.ar_inbox(request.user, show, q)[:selectors.INBOX_ROWS + 1])
    ctx = {"nav": "inbox", "filter_form": form, "filter_error": error, "rows": rows[:selectors.INBOX_ROWS],
           "more": len(rows) > selectors.INBOX_ROWS, "show": show}
    return render(request, "inbox/list.html#list" if is_partial(request) else "inbox/list.html", ctx)


def _item_context(request: HttpRequest, email: InboundEmail, **forms: Any) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    q = request.GET.get("q", "").strip()
    ctx: dict[str, Any] = {"nav": "inbox", "email": email, "attachments": list(email.attachments.all()),
                           "q": q, "found": customer_search(visible_customers(user), q) if q else [],
                           "can_work": has_role(user, Role.COLLECTOR, Role.MANAGER, Role.ADMIN)}
    if email.customer_id and email.status != InboundEmail.Status.DONE:
        invoices = selectors.answered_invoices(email)
        amount = selectors.proposed_amount(email, invoices)
        ctx["invoices"] = invoices
        ctx["promise_form"] = forms.get("promise_form") or PromiseConfirmForm(
            initial={"amount": amount, "pay_by": email.proposed_promise_date})
        ctx["dispute_form"] = forms.get("dispute_form") or DisputeOpenForm(
            initial={"amount": amount, "root_cause": email.proposed_root_cause or "other"})
    ctx["assign_error"] = forms.get("assign_error", "")
    ctx["flash"], ctx["flash_error"] = forms.get("flash", ""), forms.get("flash_error", False)
    return ctx


def _item(request: HttpRequest, email: InboundEmail, *, status: int = 200, **forms: Any) -> HttpResponse:
    """The email's page, or its actions alone for HTMX (422 with the errors in place)."""
    template = f"{ITEM}#actions" if is_partial(request) else ITEM
    return render(request, template, _item_context(request, email, **forms), status=status)


def _done(request: HttpRequest, email: InboundEmail, text: str) -> HttpResponse:
    if is_partial(request):
        email.refresh_from_db()
        return _item(request, email, flash=text)
    messages.success(request, text)
    return redirect("inbox_item", email.pk)


@require_GET
@readers
def inbox_item(request: HttpRequest, pk: int) -> HttpResponse:
    return _item(request, _email(request, pk))


@require_GET
@readers
def inbox_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """An attachment, always as a download (never shown inline in our pages)."""
    email = _email(request, pk)
    attachment = get_object_or_404(InboundAttachment, pk=attachment_id, email=email, skipped=False)
    if not attachment.file:
        raise PermissionDenied("This attachment was not kept.")
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.filename or "attachment",
                        content_type="application/octet-stream")


@require_POST
@workers
def inbox_assign(request: HttpRequest, pk: int) -> HttpResponse:
    email = _email(request, pk)
    form = AssignForm(request.POST, customers=visible_customers(request.user))  # type: ignore[arg-type]
    if form.is_valid():
        try:
            inbound_assign(email, form.cleaned_data["customer"], request.user)  # type: ignore[arg-type]
        except ValidationError as failure:
            return _item(request, email, status=422, assign_error=_errors(failure))
        return _done(request, email, f"Assigned to {form.cleaned_data['customer'].name}; "
                                     f"{email.from_address} is now one of its contacts.")
    return _item(request, email, status=422, assign_error=" ".join(form.errors.get("customer", [])))


@require_POST
@workers
def inbox_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    email = _email(request, pk)
    form = PromiseConfirmForm(request.POST)
    if form.is_valid():
        try:
            promise = handling.inbound_promise_confirm(email=email, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as failure:
            form.add_error(None, _errors(failure))
        else:
            return _done(request, email, f"Promise of {promise.amount:,.2f} by {promise.pay_by:%d %b %Y} recorded.")
    return _item(request, email, status=422, promise_form=form)


@require_POST
@workers
def inbox_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    email = _email(request, pk)
    form = DisputeOpenForm(request.POST)
    if form.is_valid():
        try:
            dispute = handling.inbound_dispute_open(email=email, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as failure:
            form.add_error(None, _errors(failure))
        else:
            return _done(request, email, f"Dispute opened: {dispute.get_root_cause_display()}, "
                                         f"{dispute.amount:,.2f}.")
    return _item(request, email, status=422, dispute_form=form)


@require_POST
@workers
def inbox_remittance(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    email = _email(request, pk)
    attachment = get_object_or_404(InboundAttachment, pk=attachment_id, email=email)
    try:
        advice = handling.inbound_remittance_offer(attachment=attachment, by=request.user)  # type: ignore[arg-type]
    except (ValidationError, ValueError) as failure:
        return _item(request, email, status=422, flash_error=True,
                     flash=f"Not offered to cash application: {_errors(failure)}")
    refs = ", ".join(advice.invoice_refs[:8]) or "no invoice number found"
    return _done(request, email, f"{advice.filename} offered to cash application ({refs}).")


@require_POST
@workers
def inbox_done(request: HttpRequest, pk: int) -> HttpResponse:
    email = _email(request, pk)
    handling.inbound_done(email=email, by=request.user)  # type: ignore[arg-type]
    if is_partial(request):
        return _done(request, email, "Marked as handled.")
    messages.success(request, "Marked as handled.")
    return redirect(reverse("inbox"))
