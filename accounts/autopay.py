"""Autopay from the workspace: a collector (on their own accounts) or a manager pauses the
account's autopay with a reason, and resumes it. The panel answers (HTMX), or the page at the
panel; a refused pause comes back with its error (400)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.workspace import PAGE, page_context, work_roles, workspace_customer
from autopay.panel import TEMPLATE, PanelFlash, panel_context
from autopay.selectors import live_mandate
from autopay.services import AutopayError, mandate_pause, mandate_resume
from core.web import is_partial
from ledger.models import Customer
from portfolios.access import any_role


def _panel_url(pk: int) -> str:
    return reverse("account", args=[pk]) + "#autopay"


def _answer(request: HttpRequest, customer: Customer, text: str, *, error: bool = False, reason: str = "",
            reason_error: str = "") -> HttpResponse:
    """The panel with what happened (HTMX); else a redirect with the message, or the page with the error."""
    status = 400 if error else 200
    if is_partial(request):
        ctx = panel_context(request.user, customer, flash=PanelFlash(text, error), reason=reason,
                            reason_error=reason_error)
        response = render(request, TEMPLATE, ctx, status=status)
        if not error:
            response["HX-Trigger"] = "timeline-changed"
        return response
    if not error:
        messages.success(request, text)
        return redirect(_panel_url(customer.pk))
    ctx = {**page_context(request, customer), "autopay_flash": PanelFlash(text, True), "pause_reason": reason,
           "pause_reason_error": reason_error}
    return render(request, PAGE, ctx, status=status)


@require_GET
@any_role
def account_autopay(request: HttpRequest, pk: int) -> HttpResponse:
    """The autopay panel alone (HTMX), else the workspace at it."""
    customer = workspace_customer(request, pk)
    if is_partial(request):
        return render(request, TEMPLATE, panel_context(request.user, customer))
    return render(request, PAGE, page_context(request, customer))


@require_POST
@work_roles
def account_autopay_pause(request: HttpRequest, pk: int) -> HttpResponse:
    customer = workspace_customer(request, pk)
    reason = request.POST.get("reason", "").strip()
    mandate = live_mandate(customer)
    if mandate is None:
        return _answer(request, customer, f"{customer.name} has no autopay to pause.", error=True)
    if not reason:
        return _answer(request, customer, "Nothing paused.", error=True,
                       reason_error="Say why autopay is paused (the customer and your team will see it).")
    try:
        mandate_pause(mandate=mandate, reason=reason, by=request.user)
    except AutopayError as refused:
        return _answer(request, customer, " ".join(refused.messages), error=True, reason=reason)
    return _answer(request, customer, "Autopay paused: nothing is charged, and the invoices are reminded as usual.")


@require_POST
@work_roles
def account_autopay_resume(request: HttpRequest, pk: int) -> HttpResponse:
    customer = workspace_customer(request, pk)
    mandate = live_mandate(customer)
    if mandate is None:
        return _answer(request, customer, f"{customer.name} has no autopay to resume.", error=True)
    try:
        mandate_resume(mandate=mandate, by=request.user)
    except AutopayError as refused:
        return _answer(request, customer, " ".join(refused.messages), error=True)
    return _answer(request, customer, "Autopay resumed: the open invoices are planned again, each announced first.")
