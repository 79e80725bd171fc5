"""Figures for `make bench`: how many provider webhook events a web process takes per second.

A customer with invoices is made inside a transaction that is rolled back (the book is as it was
afterwards). For each invoice a checkout is started on the sandbox provider, then its events
arrive as Stripe sends them: checkout.session.completed and payment_intent.succeeded (one posts
the payment, the other is recognised as the same news), and one of them again (a replay, stopped
by the event row). Every event is signed and POSTed to the webhook URL through Django's
in-process client: signature check, JSON, the exactly-once guard, the ledger posting and
money_moved, all counted.
"""

import json
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from ledger.models import Customer, Payment
from ledger.services import invoice_issue
from payments.models import WebhookEvent
from payments.providers.base import minor_units, request_metadata, signature_header
from payments.services import checkout_start


class _RollBack(Exception):
    pass


def _event(kind: str, obj: dict, n: int) -> str:
    return json.dumps({"id": f"evt_bench_{kind}_{n}", "object": "event", "api_version": "2025-03-31.basil",
                       "created": int(time.time()), "data": {"object": obj}, "livemode": False,
                       "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}, "type": kind})


def _events(request, n: int) -> list[str]:
    metadata, amount, currency = request_metadata(request), minor_units(request.amount), request.currency.lower()
    intent = f"pi_bench_{n}"
    session = {"id": request.provider_ref, "object": "checkout.session", "mode": "payment", "status": "complete",
               "payment_status": "paid", "amount_total": amount, "currency": currency, "metadata": metadata,
               "payment_intent": intent}
    succeeded = {"id": intent, "object": "payment_intent", "amount": amount, "amount_received": amount,
                 "currency": currency, "metadata": metadata, "status": "succeeded"}
    completed = _event("checkout.session.completed", session, n)
    return [completed, _event("payment_intent.succeeded", succeeded, n), completed]


def webhook_rate(n: int = 1000) -> dict:
    """Post `n` webhook events (a third of them replays) and time them."""
    checkouts = max(1, -(-n // 3))
    client, url = Client(), reverse("payments_webhook", args=["sandbox"])
    figures: dict = {}
    with override_settings(PAYMENTS_PROVIDER="sandbox", PAYMENTS_SANDBOX_ALLOWED=True):
        try:
            with transaction.atomic():
                today = timezone.localdate()
                customer = Customer.objects.create(external_id=f"BENCH-PAY-{time.time_ns()}", name="Webhook bench",
                                                   currency="USD")
                bodies = []
                for i in range(checkouts):
                    invoice = invoice_issue(customer=customer, external_id=f"{customer.external_id}-{i}",
                                            issue_date=today - timedelta(days=40), due_date=today - timedelta(days=10),
                                            amount=Decimal("120.00"), currency="USD")
                    request, _ = checkout_start(customer=customer, lines=[(invoice, Decimal("120.00"))],
                                                origin="portal", success_url="/", cancel_url="/")
                    bodies += _events(request, i)
                bodies = bodies[:n]
                secret = settings.PAYMENTS_WEBHOOK_SECRET
                signed = [(body, signature_header(body, secret=secret)) for body in bodies]
                started = time.perf_counter()
                for body, header in signed:
                    response = client.post(url, data=body, content_type="application/json",
                                           headers={"Stripe-Signature": header})
                    if response.status_code != 200:
                        raise RuntimeError(f"the webhook answered {response.status_code}: {response.content[:200]}")
                elapsed = time.perf_counter() - started
                posted = Payment.objects.filter(customer=customer).count()
                stored = WebhookEvent.objects.filter(event_id__startswith="evt_bench_").count()
                figures = {
                    "webhook_events_per_second": round(len(signed) / elapsed, 1),
                    "webhook_events": len(signed),
                    "webhook_payments_posted": posted,
                    "webhook_events_stored": stored,
                    "webhook_ms_per_event": round(1000 * elapsed / len(signed), 2),
                }
                if posted != checkouts:  # each checkout's first event posts, the rest change nothing
                    raise RuntimeError(f"{posted} payments posted for {checkouts} checkouts")
                raise _RollBack
        except _RollBack:
            pass
    return figures
