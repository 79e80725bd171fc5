"""What a provider event means for us, read from Stripe's event shapes (the sandbox sends the same).

Stripe reports one payment through several events (checkout.session.completed and
payment_intent.succeeded for the same card payment, say), in any order and more than once. Each
is reduced here to a `Reading`: which of our requests it is about and what it says happened. The
services then move the request along its states; a reading that would move it backwards (a
`processing` arriving after `succeeded`) changes nothing.
"""

from dataclasses import dataclass
from decimal import Decimal

from payments.providers.base import META_CUSTOMER, META_INVOICES, META_KEY, ProviderEvent, major_units

# What a reading says happened.
SUCCEEDED, PENDING, FAILED, EXPIRED = "succeeded", "pending", "failed", "expired"
REFUNDED, DISPUTED, METHOD_SAVED, NOTHING = "refunded", "disputed", "method_saved", "nothing"

# The events to subscribe the webhook endpoint to (docs/payments.md lists them too).
HANDLED = (
    "checkout.session.completed", "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed", "checkout.session.expired",
    "payment_intent.succeeded", "payment_intent.processing", "payment_intent.payment_failed",
    "setup_intent.succeeded", "charge.refunded", "charge.dispute.created",
)


@dataclass(frozen=True)
class Reading:
    says: str
    key: str = ""  # our PaymentRequest.key, from the metadata
    session_ref: str = ""  # the checkout session the event is about, if it is one
    payment_intent: str = ""
    amount: Decimal | None = None  # what the provider says was (or is being) paid, or refunded in all
    currency: str = ""
    customer_id: str = ""
    invoice_ids: str = ""
    method_ref: str = ""
    provider_customer_ref: str = ""
    reason: str = ""
    from_checkout_only: bool = False  # a payment-intent failure while a checkout is still open to retry


def _money(obj: dict, field: str) -> Decimal | None:
    value = obj.get(field)
    return major_units(value) if isinstance(value, int) else None


def _common(obj: dict) -> dict:
    metadata = obj.get("metadata") or {}
    return {"key": str(metadata.get(META_KEY, "")), "customer_id": str(metadata.get(META_CUSTOMER, "")),
            "invoice_ids": str(metadata.get(META_INVOICES, "")), "currency": str(obj.get("currency") or "").upper()}


def _session(event: ProviderEvent, says: str) -> Reading:
    obj = event.object
    if obj.get("mode") != "payment":
        return Reading(NOTHING, reason=f"a {obj.get('mode')} session: setups are saved from setup_intent.succeeded")
    if event.type == "checkout.session.completed":
        status = obj.get("payment_status")
        if status == "paid":
            says = SUCCEEDED
        elif status == "unpaid":
            says = PENDING  # a delayed method (debit, bank transfer): async_payment_* follows
        else:
            return Reading(NOTHING, reason=f"payment_status {status!r} moves no money")
    pi = obj.get("payment_intent")
    return Reading(says, session_ref=str(obj.get("id", "")), payment_intent=pi if isinstance(pi, str) else "",
                   amount=_money(obj, "amount_total"), **_common(obj))


def _intent(event: ProviderEvent) -> Reading:
    obj = event.object
    common = _common(obj)
    if event.type == "payment_intent.succeeded":
        return Reading(SUCCEEDED, payment_intent=obj["id"], amount=_money(obj, "amount_received"), **common)
    if event.type == "payment_intent.processing":
        return Reading(PENDING, payment_intent=obj["id"], amount=_money(obj, "amount"), **common)
    error = obj.get("last_payment_error") or {}
    return Reading(FAILED, payment_intent=obj["id"], amount=_money(obj, "amount"), from_checkout_only=True,
                   reason=str(error.get("message") or error.get("code") or "The payment failed."), **common)


def reading(event: ProviderEvent) -> Reading:
    """What `event` says, or NOTHING for an event type we do not act on."""
    obj = event.object
    kind = event.type
    if kind == "checkout.session.completed":
        return _session(event, SUCCEEDED)
    if kind == "checkout.session.async_payment_succeeded":
        return _session(event, SUCCEEDED)
    if kind == "checkout.session.async_payment_failed":
        return _session(event, FAILED)
    if kind == "checkout.session.expired":
        return _session(event, EXPIRED)
    if kind in ("payment_intent.succeeded", "payment_intent.processing", "payment_intent.payment_failed"):
        return _intent(event)
    if kind == "setup_intent.succeeded":
        customer = obj.get("customer")
        return Reading(METHOD_SAVED, method_ref=str(obj.get("payment_method") or ""),
                       provider_customer_ref=customer if isinstance(customer, str) else "", **_common(obj))
    if kind == "charge.refunded":
        return Reading(REFUNDED, payment_intent=str(obj.get("payment_intent") or ""),
                       amount=_money(obj, "amount_refunded"), **_common(obj))
    if kind == "charge.dispute.created":
        return Reading(DISPUTED, payment_intent=str(obj.get("payment_intent") or ""), amount=_money(obj, "amount"),
                       reason=str(obj.get("reason") or "chargeback"), **_common(obj))
    return Reading(NOTHING, reason=f"{kind} is not an event we act on")
