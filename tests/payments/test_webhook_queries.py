"""A webhook event costs a fixed number of queries, whatever the checkout pays: the request and
its lines are read once, the invoices once (locked), and the ledger posts in bulk."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.models import Invoice, Payment
from tests.factories import past_due_invoice
from tests.payments.conftest import checkout
from tests.payments.stripe_events import event_for, post

# Per event, SAVEPOINT/RELEASE included (so the figure is the same on SQLite and PostgreSQL).
# The event row is claimed in one INSERT … ON CONFLICT DO NOTHING (no savepoint around it); the
# posting reads and locks the invoices once for the ledger; settlement asks once whether any
# promise or plan covers them.
POSTING = 18  # the event that posts: the event row, request, lines, invoices, customer, ledger, settlement, timeline
SAME_NEWS = 7  # payment_intent.succeeded after checkout.session.completed: recognised, nothing posted
REPLAY = 4  # an event id seen before: stopped by the event row


def _queries(client, provider, event) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert post(client, provider, event).status_code == 200
    return len(captured.captured_queries)


def _paid_with(client, provider, acme, invoices: int) -> list[int]:
    lines = [(past_due_invoice(acme.customer, "100.00", days=20 + n), Decimal("100.00")) for n in range(invoices)]
    request = checkout(acme, lines=lines)
    intent = f"pi_queries_{request.pk}"  # each checkout its own events and payment intent
    completed = event_for("checkout.session.completed", request, event_id=f"evt_completed_{request.pk}",
                          payment_intent=intent)
    succeeded = event_for("payment_intent.succeeded", request, event_id=f"evt_succeeded_{request.pk}", id=intent)
    counts = [_queries(client, provider, completed), _queries(client, provider, succeeded),
              _queries(client, provider, completed)]
    assert Payment.objects.filter(external_id=request.external_id).count() == 1
    assert Invoice.objects.filter(pk__in=[i.pk for i, _ in lines], status=Invoice.Status.PAID).count() == invoices
    return counts


@pytest.mark.parametrize("invoices", [1, 12])
def test_a_webhook_event_costs_the_same_queries_whatever_the_checkout_pays(client, acme, provider, invoices):
    posting, same_news, replay = _paid_with(client, provider, acme, invoices)

    assert posting <= POSTING
    assert same_news <= SAME_NEWS
    assert replay <= REPLAY


def test_more_invoices_in_a_checkout_add_no_query(client, acme, provider):
    assert _paid_with(client, provider, acme, 12) == _paid_with(client, provider, acme, 1)
