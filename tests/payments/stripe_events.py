"""Recorded Stripe events (tests/payments/fixtures/), made to name a request of the test, and signed."""

import copy
import json
import time
from pathlib import Path

import stripe
from django.conf import settings
from django.urls import reverse

from payments.providers.base import minor_units, request_metadata

FIXTURES = Path(__file__).parent / "fixtures"
INTENT = "pi_3QaBcDeFgHiJkLmN0aBcDeFg"


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def event_for(name: str, request, *, event_id: str | None = None, **changes) -> dict:
    """The recorded event `name`, about `request`: its metadata, checkout session, amount, currency.
    `changes` override fields of data.object afterwards (amount_total=…, currency=…)."""
    event = copy.deepcopy(recorded(name))
    obj = event["data"]["object"]
    amount, currency = minor_units(request.amount), request.currency.lower()
    if "metadata" in obj and obj["object"] in ("checkout.session", "payment_intent"):
        obj["metadata"] = request_metadata(request)
    if obj["object"] == "checkout.session":
        obj.update(id=request.provider_ref, amount_total=amount, amount_subtotal=amount, currency=currency,
                   client_reference_id=request.key, payment_intent=request.payment_intent_ref or INTENT)
    elif obj["object"] == "payment_intent":
        obj.update(id=request.payment_intent_ref or INTENT, amount=amount, currency=currency,
                   amount_received=amount if obj["status"] == "succeeded" else 0)
    elif obj["object"] in ("charge", "dispute"):
        obj.update(payment_intent=request.payment_intent_ref or INTENT, amount=amount, currency=currency)
    obj.update(changes)
    if event_id:
        event["id"] = event_id
    return event


def signed(event: dict | str, *, secret: str | None = None, at: int | None = None) -> tuple[str, str]:
    body = event if isinstance(event, str) else json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(
        body, secret or settings.PAYMENTS_WEBHOOK_SECRET, timestamp=at if at is not None else int(time.time()))
    return body, header


def post(client, provider: str, event: dict | str, **sign):
    body, header = signed(event, **sign)
    return client.post(reverse("payments_webhook", args=[provider]), data=body, content_type="application/json",
                       headers={"Stripe-Signature": header})
