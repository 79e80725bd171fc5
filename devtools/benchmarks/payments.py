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
import multiprocessing
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, connections, transaction
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


def _event(kind: str, obj: dict, n: int | str) -> str:
    return json.dumps({"id": f"evt_bench_{kind}_{n}", "object": "event", "api_version": "2025-03-31.basil",
                       "created": int(time.time()), "data": {"object": obj}, "livemode": False,
                       "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}, "type": kind})


def _events(request, n: int | str) -> list[str]:
    metadata, amount, currency = request_metadata(request), minor_units(request.amount), request.currency.lower()
    intent = f"pi_bench_{n}"
    session = {"id": request.provider_ref, "object": "checkout.session", "mode": "payment", "status": "complete",
               "payment_status": "paid", "amount_total": amount, "currency": currency, "metadata": metadata,
               "payment_intent": intent}
    succeeded = {"id": intent, "object": "payment_intent", "amount": amount, "amount_received": amount,
                 "currency": currency, "metadata": metadata, "status": "succeeded"}
    completed = _event("checkout.session.completed", session, n)
    return [completed, _event("payment_intent.succeeded", succeeded, n), completed]


def _prepared(n: int, tag: str) -> tuple[Customer, list[tuple[str, str]], int]:
    """A customer with one invoice and one started checkout per three events, and the `n` signed
    events about them (each checkout's completion, its payment intent's success, the completion
    again); `tag` keeps the event ids of concurrent runs apart."""
    checkouts = max(1, -(-n // 3))
    today = timezone.localdate()
    customer = Customer.objects.create(external_id=f"BENCH-PAY-{tag}-{time.time_ns()}", name="Webhook bench",
                                       currency="USD")
    bodies = []
    for i in range(checkouts):
        invoice = invoice_issue(customer=customer, external_id=f"{customer.external_id}-{i}",
                                issue_date=today - timedelta(days=40), due_date=today - timedelta(days=10),
                                amount=Decimal("120.00"), currency="USD")
        request, _ = checkout_start(customer=customer, lines=[(invoice, Decimal("120.00"))],
                                    origin="portal", success_url="/", cancel_url="/")
        bodies += _events(request, f"{tag}_{i}")
    secret = settings.PAYMENTS_WEBHOOK_SECRET
    return customer, [(body, signature_header(body, secret=secret)) for body in bodies[:n]], checkouts


def _delivered(signed: list[tuple[str, str]]) -> None:
    client, url = Client(), reverse("payments_webhook", args=["sandbox"])
    for body, header in signed:
        response = client.post(url, data=body, content_type="application/json", headers={"Stripe-Signature": header})
        if response.status_code != 200:
            raise RuntimeError(f"the webhook answered {response.status_code}: {response.content[:200]}")


def _run(n: int, tag: str, ready=None) -> dict:
    """Prepare, deliver and count inside a transaction that is rolled back. `ready` (a barrier):
    wait there until every concurrent run is prepared."""
    figures: dict = {}
    with override_settings(PAYMENTS_PROVIDER="sandbox", PAYMENTS_SANDBOX_ALLOWED=True):
        try:
            with transaction.atomic():
                customer, signed, checkouts = _prepared(n, tag)
                if ready is not None:
                    ready.wait()
                started = time.perf_counter()
                _delivered(signed)
                ended = time.perf_counter()
                posted = Payment.objects.filter(customer=customer).count()
                stored = WebhookEvent.objects.filter(event_id__startswith="evt_bench_",
                                                     event_id__contains=f"_{tag}_").count()
                if posted != checkouts:  # each checkout's first event posts, the rest change nothing
                    raise RuntimeError(f"{posted} payments posted for {checkouts} checkouts")
                figures = {"events": len(signed), "posted": posted, "stored": stored, "started": started,
                           "ended": ended}
                raise _RollBack
        except _RollBack:
            pass
    return figures


def webhook_rate(n: int = 1000, processes: int = 1) -> dict:
    """Post `n` webhook events (a third of them replays) and time them: in this process, or split
    over `processes` web processes delivering at once (as gunicorn's workers take Stripe's concurrent
    deliveries; PostgreSQL only, outside a transaction: each process is forked with its own
    connection and its own rolled-back transaction). Events per second is all events over the time
    from the first start to the last end."""
    if processes > 1 and (connection.vendor != "postgresql" or connection.in_atomic_block):
        processes = 1  # SQLite takes one writer at a time; inside a transaction a child cannot see the book
    if processes == 1:
        runs = [_run(n, "p0")]
    else:
        runs = _in_processes(n, processes)
    if not all(runs):
        return {}
    events, posted, stored = (sum(run[key] for run in runs) for key in ("events", "posted", "stored"))
    elapsed = max(run["ended"] for run in runs) - min(run["started"] for run in runs)
    return {
        "webhook_events_per_second": round(events / elapsed, 1),
        "webhook_events": events,
        "webhook_payments_posted": posted,
        "webhook_events_stored": stored,
        "webhook_ms_per_event": round(1000 * elapsed / events, 2),
        "webhook_processes": processes,
    }


def _child(n: int, tag: str, ready, results) -> None:
    try:
        results.put(_run(n, tag, ready))
    except BaseException as error:  # the parent reports it; the barrier must not wait for this one
        ready.abort()
        results.put({"error": f"{type(error).__name__}: {error}"})
    finally:
        connections.close_all()


def _in_processes(n: int, processes: int) -> list[dict]:
    context = multiprocessing.get_context("fork")
    ready, results = context.Barrier(processes), context.Queue()
    connections.close_all()  # each child opens its own connection
    share = -(-n // processes)
    children = [context.Process(target=_child, args=(share, f"p{k}", ready, results)) for k in range(processes)]
    for child in children:
        child.start()
    runs = [results.get(timeout=600) for _ in children]
    for child in children:
        child.join()
    errors = [run["error"] for run in runs if "error" in run]
    if errors:
        raise RuntimeError("; ".join(errors))
    return runs
