"""The embedded payment provider: Stripe's behaviour, kept on this machine.

Its checkout and setup pages (payments/views.py) take Stripe's test card numbers and IBANs; what
happens is announced the way Stripe announces it: Stripe-shaped events (same types, same payload
fields), signed with Stripe's scheme and PAYMENTS_WEBHOOK_SECRET, POSTed to our own webhook
(`sandbox_delivery`). So the code that moves money cannot tell the sandbox from Stripe, and the
tests and the demo run it end to end offline.

Test numbers: card 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, 4000 0000 0000
9995 has insufficient funds (saves, but its charges fail). SEPA DE89370400440532013000 clears
(pending, then succeeded), DE62370400440532013001 fails after pending. A bank transfer stays
pending until the transfer is settled from the sandbox page or `manage.py sandbox_payment`.
"""

import json
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from ledger.models import Customer
from payments.models import MethodKind, PaymentRequest, SandboxSession, SavedMethod
from payments.providers.base import (
    ChargeStarted,
    CheckoutStarted,
    ProviderError,
    ProviderEvent,
    minor_units,
    request_metadata,
    signature_header,
    signed_event_parse,
)
from payments.providers.sandbox_delivery import deliver

API_VERSION = "2025-03-31.basil"  # the Stripe API version whose shapes the sandbox sends


@dataclass(frozen=True)
class TestNumber:
    kind: str
    label: str
    outcome: str  # succeeded | declined | insufficient_funds | clears | fails | manual
    message: str = ""

    @property
    def kind_label(self) -> str:
        return MethodKind(self.kind).label if self.kind in MethodKind.values else "Bank transfer"


TEST_NUMBERS = {
    "4242424242424242": TestNumber(MethodKind.CARD, "Visa •••• 4242", "succeeded"),
    "4000000000000002": TestNumber(MethodKind.CARD, "Visa •••• 0002", "declined", "Your card was declined."),
    "4000000000009995": TestNumber(MethodKind.CARD, "Visa •••• 9995", "insufficient_funds",
                                   "Your card has insufficient funds."),
    "DE89370400440532013000": TestNumber(MethodKind.SEPA_DEBIT, "SEPA DE89 •••• 3000", "clears"),
    "DE62370400440532013001": TestNumber(MethodKind.SEPA_DEBIT, "SEPA DE62 •••• 3001", "fails",
                                         "The debit was returned: insufficient funds (AM04)."),
    "000123456789": TestNumber(MethodKind.US_BANK_ACCOUNT, "STRIPE TEST BANK •••• 6789", "clears"),
    "000111111113": TestNumber(MethodKind.US_BANK_ACCOUNT, "STRIPE TEST BANK •••• 1113", "fails",
                               "The debit was returned: account closed (R02)."),
    "bank_transfer": TestNumber("bank_transfer", "Bank transfer", "manual"),
}


def test_number(value: str) -> TestNumber | None:
    """The test number typed (spaces and case do not matter), or None."""
    typed = "".join((value or "").split())
    return TEST_NUMBERS.get(typed.upper()) or TEST_NUMBERS.get(typed.lower())


def _token() -> str:
    return secrets.token_urlsafe(18).replace("-", "").replace("_", "")[:24]


def _event(kind: str, obj: dict) -> dict:
    return {"id": f"evt_sb_{_token()}", "object": "event", "api_version": API_VERSION, "created": int(time.time()),
            "data": {"object": obj}, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "type": kind}


def send(kind: str, obj: dict) -> dict:
    """Sign and deliver one event once the current transaction commits (as Stripe sends an event
    once its own write is done). Returns the event."""
    event = _event(kind, obj)
    body = json.dumps(event, separators=(",", ":"))
    header = signature_header(body, secret=settings.PAYMENTS_WEBHOOK_SECRET)
    transaction.on_commit(lambda: deliver.delay(body, header))
    return event


def intent_ref(request: PaymentRequest) -> str:
    return request.payment_intent_ref or f"pi_sb_{request.pk}"


def _intent(request: PaymentRequest, status: str, *, error: str = "", kind: str = "") -> dict:
    amount = minor_units(request.amount)
    return {
        "id": intent_ref(request), "object": "payment_intent", "amount": amount,
        "amount_received": amount if status == "succeeded" else 0, "currency": request.currency.lower(),
        "customer": f"cus_sb_{request.customer_id}", "metadata": request_metadata(request), "status": status,
        "payment_method_types": [kind or request.method_kind or "card"], "created": int(request.created_at.timestamp()),
        "last_payment_error": {"code": "card_declined", "message": error} if error else None,
        "livemode": False,
    }


def _session(session: SandboxSession, status: str, payment_status: str) -> dict:
    request = session.request
    assert request is not None, "a payment session has its request"
    amount = minor_units(request.amount)
    return {
        "id": session.ref, "object": "checkout.session", "mode": "payment", "status": status,
        "payment_status": payment_status, "amount_subtotal": amount, "amount_total": amount,
        "currency": request.currency.lower(), "client_reference_id": request.key,
        "customer": f"cus_sb_{request.customer_id}", "metadata": request_metadata(request),
        "payment_intent": intent_ref(request), "payment_method_types": session.methods,
        "success_url": session.success_url, "cancel_url": session.cancel_url,
        "created": int(session.created_at.timestamp()), "livemode": False,
    }


def _charge(request: PaymentRequest, refunded: Decimal) -> dict:
    amount = minor_units(request.amount)
    return {"id": f"ch_sb_{request.pk}", "object": "charge", "amount": amount,
            "amount_refunded": minor_units(refunded), "currency": request.currency.lower(),
            "payment_intent": intent_ref(request), "refunded": refunded == request.amount, "status": "succeeded",
            "metadata": {}, "livemode": False}


class SandboxProvider:
    name = "sandbox"

    def checkout_create(self, request: PaymentRequest, *, success_url: str, cancel_url: str,
                        methods: list[str]) -> CheckoutStarted:
        if not settings.PAYMENTS_SANDBOX_ALLOWED:
            raise ProviderError("Online payments are not set up (the sandbox provider is off here).")
        session = SandboxSession.objects.create(ref=f"cs_sb_{_token()}", mode=SandboxSession.Mode.PAYMENT,
                                                customer=request.customer, request=request, success_url=success_url,
                                                cancel_url=cancel_url, methods=methods)
        return CheckoutStarted(session.ref, reverse("payments_sandbox_checkout", args=[session.ref]))

    def setup_create(self, customer: Customer, *, success_url: str, cancel_url: str,
                     kinds: list[str]) -> CheckoutStarted:
        if not settings.PAYMENTS_SANDBOX_ALLOWED:
            raise ProviderError("Online payments are not set up (the sandbox provider is off here).")
        session = SandboxSession.objects.create(ref=f"cs_sb_setup_{_token()}", mode=SandboxSession.Mode.SETUP,
                                                customer=customer, success_url=success_url, cancel_url=cancel_url,
                                                methods=kinds)
        return CheckoutStarted(session.ref, reverse("payments_sandbox_setup", args=[session.ref]))

    def charge_off_session(self, request: PaymentRequest, method: SavedMethod) -> ChargeStarted:
        number = method.provider_method_ref.split("_")[3] if method.provider_method_ref.count("_") >= 4 else ""
        test = test_number(number)
        if test is None:
            raise ProviderError(f"{method.provider_method_ref} is not a sandbox payment method.")
        SandboxSession.objects.get_or_create(ref=intent_ref(request), defaults={
            "mode": SandboxSession.Mode.PAYMENT, "customer": request.customer, "request": request,
            "methods": [test.kind], "method_kind": test.kind, "method_number": number,
            "status": SandboxSession.Status.COMPLETE})
        if test.outcome == "succeeded":
            send("payment_intent.succeeded", _intent(request, "succeeded", kind=test.kind))
            return ChargeStarted(intent_ref(request), PaymentRequest.Status.SUCCEEDED)
        if test.outcome in ("clears", "fails"):
            send("payment_intent.processing", _intent(request, "processing", kind=test.kind))
            return ChargeStarted(intent_ref(request), PaymentRequest.Status.PENDING)
        send("payment_intent.payment_failed", _intent(request, "requires_payment_method", error=test.message,
                                                      kind=test.kind))
        return ChargeStarted(intent_ref(request), PaymentRequest.Status.FAILED, test.message)

    def refund(self, request: PaymentRequest, amount: Decimal | None) -> str:
        refunded = request.amount if amount is None else request.refunded_amount + amount
        send("charge.refunded", _charge(request, refunded))
        return f"re_sb_{_token()}"

    def event_parse(self, body: bytes, signature_header: str) -> ProviderEvent:
        return signed_event_parse(body, signature_header, secret=settings.PAYMENTS_WEBHOOK_SECRET,
                                  tolerance=settings.PAYMENTS_WEBHOOK_TOLERANCE_SECONDS)

    def method_describe(self, method_ref: str) -> tuple[str, str]:
        parts = method_ref.split("_")
        test = test_number(parts[3]) if len(parts) >= 5 else None
        if test is None:
            raise ProviderError(f"{method_ref} is not a sandbox payment method.")
        return test.kind, test.label


# --- What the customer (or the demo) does on the sandbox's pages ---------------------------------------------

def pay(session: SandboxSession, number: str) -> str:
    """The customer submits the checkout with a test number. Returns "" when the payment went
    through (paid or pending), else the message the page shows (a declined card: they may retry)."""
    request = session.request
    assert request is not None
    test = test_number(number)
    if test is None or test.kind not in session.methods:
        return "Use one of the test numbers shown for a method offered here."
    if session.status != SandboxSession.Status.OPEN or request.status != PaymentRequest.Status.OPEN:
        return "This checkout is closed."
    if test.outcome in ("declined", "insufficient_funds"):
        send("payment_intent.payment_failed", _intent(request, "requires_payment_method", error=test.message,
                                                      kind=test.kind))
        return test.message
    session.status, session.method_kind, session.method_number = SandboxSession.Status.COMPLETE, test.kind, number
    session.save(update_fields=["status", "method_kind", "method_number"])
    PaymentRequest.objects.filter(pk=request.pk).update(method_kind=test.kind if test.kind in MethodKind.values else "")
    if test.outcome == "succeeded":
        send("payment_intent.succeeded", _intent(request, "succeeded", kind=test.kind))
        send("checkout.session.completed", _session(session, "complete", "paid"))
    else:  # a debit or a transfer: the checkout completes unpaid, the money follows (or not)
        send("checkout.session.completed", _session(session, "complete", "unpaid"))
        send("payment_intent.processing", _intent(request, "processing", kind=test.kind))
    return ""


def settle(request: PaymentRequest, outcome: str) -> None:
    """A pending debit or transfer clears (`succeeded`) or fails (`failed`)."""
    session = SandboxSession.objects.filter(request=request).first()
    kind = session.method_kind if session else request.method_kind
    if outcome == "succeeded":
        if request.kind == PaymentRequest.Kind.CHECKOUT and session:
            send("checkout.session.async_payment_succeeded", _session(session, "complete", "paid"))
        send("payment_intent.succeeded", _intent(request, "succeeded", kind=kind))
    else:
        test = test_number(session.method_number) if session else None
        message = test.message if test and test.message else "The transfer never arrived."
        send("payment_intent.payment_failed", {**_intent(request, "requires_payment_method", error=message, kind=kind),
                                               "last_payment_error": {"code": "payment_failed", "message": message}})
        if request.kind == PaymentRequest.Kind.CHECKOUT and session:
            send("checkout.session.async_payment_failed", _session(session, "complete", "unpaid"))


def clearing_outcome(session: SandboxSession) -> str | None:
    """What a pending sandbox debit turns into when it clears on its own ("succeeded" or "failed");
    None for a bank transfer, which waits for someone to settle it."""
    test = test_number(session.method_number)
    if test is None or test.outcome == "manual":
        return None
    return "failed" if test.outcome == "fails" else "succeeded"


def expire(session: SandboxSession) -> None:
    session.status = SandboxSession.Status.EXPIRED
    session.save(update_fields=["status"])
    send("checkout.session.expired", _session(session, "expired", "unpaid"))


def dispute(request: PaymentRequest, reason: str = "fraudulent") -> None:
    left = request.amount - request.refunded_amount
    send("charge.dispute.created", {
        "id": f"dp_sb_{_token()}", "object": "dispute", "amount": minor_units(left), "charge": f"ch_sb_{request.pk}",
        "currency": request.currency.lower(), "payment_intent": intent_ref(request), "reason": reason,
        "status": "needs_response", "metadata": {}, "livemode": False})


def setup_complete(session: SandboxSession, number: str) -> str:
    """The customer saves a test card or account; "" when saved, else the message to show."""
    test = test_number(number)
    if test is None or test.kind not in session.methods:
        return "Use one of the test numbers shown for a method offered here."
    if session.status != SandboxSession.Status.OPEN:
        return "This page has already been used."
    if test.outcome == "declined":
        return test.message
    session.status, session.method_kind, session.method_number = SandboxSession.Status.COMPLETE, test.kind, number
    session.save(update_fields=["status", "method_kind", "method_number"])
    digits = "".join(number.split()).upper()
    send("setup_intent.succeeded", {
        "id": f"seti_sb_{_token()}", "object": "setup_intent", "customer": f"cus_sb_{session.customer_id}",
        "metadata": {"customer_id": str(session.customer_id)}, "status": "succeeded", "usage": "off_session",
        "payment_method": f"pm_sb_{test.kind.replace('_', '')}_{digits}_{_token()}",
        "payment_method_types": [test.kind], "livemode": False})
    return ""
