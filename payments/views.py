"""Payments' pages: the provider webhook, the sandbox provider's own checkout and setup pages, and
an account's online payments for the team (refunds, and the sandbox's demo controls).

The webhook is public (the signature is its boundary) and answers 400 to what it cannot trust,
200 to every authentic event, acted on or not. The sandbox pages stand in for Stripe's hosted
pages: their unguessable session reference is the boundary, as Stripe's URL is.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ledger.models import Invoice
from ledger.selectors import visible_customers
from payments import selectors, services
from payments.forms import RefundForm, SandboxEventForm, SandboxNumberForm
from payments.models import PaymentRequest, SandboxSession
from payments.providers import sandbox
from portfolios.access import any_role, can_manage, manager_required

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        event = services.webhook_receive(provider=provider, body=request.body,
                                         signature_header=request.headers.get("Stripe-Signature", ""))
    except services.WebhookRefused as refusal:
        log.warning("Webhook of %s refused: %s", provider, refusal)
        return JsonResponse({"error": str(refusal)}, status=400)
    return JsonResponse({"received": True, "outcome": event.outcome})


# --- The sandbox provider's pages -------------------------------------------------------------------------------

def _sandbox_session(ref: str, mode: str) -> SandboxSession:
    session = SandboxSession.objects.select_related("customer", "request").filter(ref=ref, mode=mode).first()
    if session is None:
        raise Http404("No such sandbox checkout.")
    return session


def _back(url: str, request: HttpRequest, session: SandboxSession | None = None) -> str:
    """Where the page sends the customer back: the caller's URL if it is ours, else nowhere. Like
    Stripe, the sandbox fills in `{CHECKOUT_SESSION_ID}` with the session's reference."""
    ours = {request.get_host(), urlsplit(settings.SITE_URL).netloc}
    if not (url and url_has_allowed_host_and_scheme(url, allowed_hosts=ours)):
        return ""
    return url.replace("{CHECKOUT_SESSION_ID}", session.ref) if session is not None else url


def _checkout_context(session: SandboxSession, request: HttpRequest, form: SandboxNumberForm) -> dict:
    payment = session.request
    assert payment is not None
    lines = list(payment.lines.select_related("invoice").order_by("invoice__due_date", "pk"))
    paid_meanwhile = [line.invoice for line in lines if line.invoice.status != Invoice.Status.OPEN
                      or line.invoice.open_amount < line.amount]
    tests = [(number, test) for number, test in sandbox.TEST_NUMBERS.items() if test.kind in session.methods]
    return {"session": session, "payment": payment, "lines": lines, "paid_meanwhile": paid_meanwhile,
            "tests": tests, "form": form, "back_url": _back(session.success_url, request, session),
            "cancel_url": _back(session.cancel_url, request, session), "methods": session.methods}


@never_cache
@require_http_methods(["GET", "POST"])
def sandbox_checkout(request: HttpRequest, ref: str) -> HttpResponse:
    session = _sandbox_session(ref, SandboxSession.Mode.PAYMENT)
    form = SandboxNumberForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():  # the events leave once the session's new state is committed
                session = SandboxSession.objects.select_for_update(of=("self",)).select_related(
                    "request", "customer").get(pk=session.pk)
                refusal = sandbox.pay(session, form.cleaned_data["number"])
            if not refusal:
                session.refresh_from_db()
                payment = session.request
                assert payment is not None
                payment.refresh_from_db()
                if payment.status in (PaymentRequest.Status.OPEN, PaymentRequest.Status.PENDING) \
                        and sandbox.clearing_outcome(session) is None:
                    return redirect("payments_sandbox_checkout", ref=ref)  # a transfer: show how to settle it
                return redirect(_back(session.success_url, request, session) or request.path)
            form.add_error("number", refusal)
        status = 422
    return render(request, "payments/sandbox_checkout.html", _checkout_context(session, request, form), status=status)


@require_POST
def sandbox_settle(request: HttpRequest, ref: str) -> HttpResponse:
    """The demo's stand-in for the bank: a pending transfer or debit arrives or fails."""
    session = _sandbox_session(ref, SandboxSession.Mode.PAYMENT)
    form = SandboxEventForm(request.POST, choices=("succeeded", "failed"))
    payment = session.request
    assert payment is not None
    if not form.is_valid() or payment.status != PaymentRequest.Status.PENDING:
        messages.error(request, "Only a pending payment can be settled, as arrived or as failed.")
        return redirect("payments_sandbox_checkout", ref=ref)
    with transaction.atomic():
        sandbox.settle(payment, form.cleaned_data["outcome"])
    back = _back(session.success_url, request, session)
    return redirect(back) if back else redirect("payments_sandbox_checkout", ref=ref)


@never_cache
@require_http_methods(["GET", "POST"])
def sandbox_setup(request: HttpRequest, ref: str) -> HttpResponse:
    session = _sandbox_session(ref, SandboxSession.Mode.SETUP)
    form = SandboxNumberForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                session = SandboxSession.objects.select_for_update(of=("self",)).select_related(
                    "customer").get(pk=session.pk)
                refusal = sandbox.setup_complete(session, form.cleaned_data["number"])
            if not refusal:
                return redirect(_back(session.success_url, request, session) or request.path)
            form.add_error("number", refusal)
        status = 422
    tests = [(number, test) for number, test in sandbox.TEST_NUMBERS.items() if test.kind in session.methods]
    return render(request, "payments/sandbox_setup.html", {
        "session": session, "form": form, "tests": tests, "cancel_url": _back(session.cancel_url, request, session),
    }, status=status)


# --- An account's online payments, for the team ---------------------------------------------------------------

def _account(request: HttpRequest, pk: int):
    return get_object_or_404(visible_customers(request.user), pk=pk)


@require_GET
@any_role
def account_payments(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _account(request, pk)
    rows = list(selectors.requests_for(customer).select_related("payment").prefetch_related("events")[:50])
    return render(request, "payments/account_payments.html", {
        "customer": customer, "requests": rows, "may_refund": can_manage(request.user),
        "refund_form": RefundForm(), "sandbox": any(r.provider == "sandbox" for r in rows),
    })


def _own_request(customer, request_id) -> PaymentRequest:
    try:
        return PaymentRequest.objects.get(pk=int(request_id), customer=customer)
    except (TypeError, ValueError, PaymentRequest.DoesNotExist):
        raise ValidationError("Choose one of this account's online payments.") from None


@require_POST
@manager_required
def payments_refund(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _account(request, pk)
    form = RefundForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(" ".join(e for errors in form.errors.values() for e in errors))
        payment = _own_request(customer, form.cleaned_data["request"])
        services.request_refund(request=payment, amount=form.cleaned_data["amount"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Refund asked of {payment.get_provider_display()}; the ledger follows when it "
                                  "confirms.")
    return redirect("payments_account", pk=customer.pk)


@require_POST
@manager_required
def payments_sandbox_event(request: HttpRequest, pk: int) -> HttpResponse:
    """The demo's controls: what the bank or the cardholder's bank does next to a sandbox payment."""
    customer = _account(request, pk)
    form = SandboxEventForm(request.POST, choices=("succeeded", "failed", "dispute"))
    try:
        if not form.is_valid():
            raise ValidationError("Choose what happens: the money arrives, the payment fails, or a chargeback.")
        payment = _own_request(customer, form.cleaned_data["request"])
        if payment.provider != "sandbox":
            raise ValidationError("Only a sandbox payment can be moved by hand.")
        outcome = form.cleaned_data["outcome"]
        with transaction.atomic():
            if outcome == "dispute":
                if payment.status not in (PaymentRequest.Status.SUCCEEDED, PaymentRequest.Status.PARTIALLY_REFUNDED):
                    raise ValidationError("Only a succeeded payment can be charged back.")
                sandbox.dispute(payment)
            else:
                if payment.status != PaymentRequest.Status.PENDING:
                    raise ValidationError("Only a pending payment clears or fails.")
                sandbox.settle(payment, outcome)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Sandbox event sent.")
    return redirect("payments_account", pk=customer.pk)
