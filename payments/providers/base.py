"""What every payment provider does, in our words.

`payments.services` only talks to a `Provider`; the Stripe one calls Stripe's API, the sandbox one
keeps everything local and delivers Stripe-shaped events to our own webhook. A provider parses
and verifies an incoming webhook into a `ProviderEvent`: the services decide what it means for
the ledger, so both providers share the one code path that moves money.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import stripe

if TYPE_CHECKING:
    from ledger.models import Customer
    from payments.models import PaymentRequest, SavedMethod


class WebhookRefused(Exception):
    """The webhook body cannot be trusted or read (bad signature, old timestamp, not JSON):
    answered 400, nothing written."""


class ProviderError(Exception):
    """The provider refused or failed an outgoing call; the message is safe to show a user."""


@dataclass(frozen=True)
class CheckoutStarted:
    provider_ref: str  # checkout session id
    redirect_url: str


@dataclass(frozen=True)
class ChargeStarted:
    provider_ref: str  # payment intent id
    status: str  # a PaymentRequest.Status value: succeeded, pending or failed
    failure_reason: str = ""


@dataclass(frozen=True)
class ProviderEvent:
    """One verified event, reduced to what the services need. `object` is the event's
    `data.object` as the provider sent it; `payload` the whole event (stored on WebhookEvent)."""

    id: str
    type: str
    created: datetime
    object: dict[str, Any]
    payload: dict[str, Any] = field(repr=False)

    @property
    def metadata(self) -> dict[str, Any]:
        return self.object.get("metadata") or {}


class Provider(Protocol):
    name: str  # "sandbox" | "stripe"

    def checkout_create(self, request: "PaymentRequest", *, success_url: str, cancel_url: str,
                        methods: list[str]) -> CheckoutStarted: ...

    def setup_create(self, customer: "Customer", *, success_url: str, cancel_url: str,
                     kinds: list[str]) -> CheckoutStarted: ...

    def charge_off_session(self, request: "PaymentRequest", method: "SavedMethod") -> ChargeStarted: ...

    def refund(self, request: "PaymentRequest", amount: Decimal | None) -> str: ...

    def event_parse(self, body: bytes, signature_header: str) -> ProviderEvent: ...

    def method_describe(self, method_ref: str) -> tuple[str, str]:
        """(kind, label) of a payment method saved at the provider: ("card", "Visa •••• 4242")."""
        ...


def minor_units(amount: Decimal) -> int:
    """Stripe (and our sandbox) count money in the currency's minor unit: 12.34 USD is 1234.
    Every currency we invoice in has two decimals (ledger MONEY)."""
    return int((amount * 100).to_integral_value())


def major_units(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


# Metadata keys we set on every session, payment intent and setup intent we create: the events
# that come back carry them, so each names our request, its customer and its invoices.
META_KEY, META_CUSTOMER, META_INVOICES = "payment_request", "customer_id", "invoice_ids"


def request_metadata(request: "PaymentRequest") -> dict[str, str]:
    invoice_ids = sorted(line.invoice_id for line in request.lines.all())
    return {META_KEY: request.key, META_CUSTOMER: str(request.customer_id),
            META_INVOICES: ",".join(str(pk) for pk in invoice_ids)}


def signed_event_parse(body: bytes, signature_header: str, *, secret: str, tolerance: int) -> ProviderEvent:
    """Stripe's scheme, for Stripe and the sandbox alike: `Stripe-Signature: t=<unix time>,v1=<hex
    HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>`, refused when older than `tolerance`
    seconds. Verified by the official library (`WebhookSignature.verify_header`, the check
    `stripe.Webhook.construct_event` makes) so the sandbox is checked exactly as Stripe is; the
    body is then read as plain JSON: construct_event's Event object would cost 20× the check and
    nothing here uses it."""
    try:
        stripe.WebhookSignature.verify_header(body, signature_header, secret, tolerance)
    except stripe.SignatureVerificationError as error:
        raise WebhookRefused(f"Signature refused: {error.user_message or error}") from None
    except UnicodeDecodeError:
        raise WebhookRefused("Not an event: the body is not UTF-8.") from None
    try:
        data = json.loads(body)
    except ValueError as error:
        raise WebhookRefused(f"Not an event: {error}") from None
    obj = (data.get("data") or {}).get("object") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not (isinstance(data.get("id"), str) and isinstance(data.get("type"), str)
            and isinstance(data.get("created"), int) and isinstance(obj, dict)):
        raise WebhookRefused("Not an event: id, type, created and data.object are required.")
    return ProviderEvent(id=data["id"], type=data["type"], created=datetime.fromtimestamp(data["created"], tz=UTC),
                         object=obj, payload=data)


def signature_header(body: str, *, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header for `body` (the sandbox signs what it sends with it)."""
    return stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
