"""Building the queue is idempotent and safe at the same time: two refreshes, or the nightly build
and a refresh, never fail on one_queue_entry_per_account_day."""

import os
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, collector
from work.queue import scoring
from work.queue.models import QueueEntry
from work.queue.services import queue_build


def today():
    return timezone.localdate()


def book(alice, accounts: int = 4):
    portfolio = PortfolioFactory(collector=alice)
    customers = []
    for n in range(accounts):
        customer = CustomerFactory(portfolio=portfolio, name=f"Account {n}")
        ContactFactory(customer=customer)
        due = today() - timedelta(days=40 + n)
        InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due,
                       amount=Decimal("5000.00"))
        customers.append(customer)
    return customers


@pytest.mark.django_db
def test_building_twice_gives_the_same_list():
    alice = collector("alice")
    book(alice)
    queue_build(on=today())
    first = list(QueueEntry.objects.filter(day=today()).values_list("customer_id", "score", "signals"))
    queue_build(on=today())
    queue_build(on=today(), collector_ids=[alice.pk])
    assert list(QueueEntry.objects.filter(day=today()).values_list("customer_id", "score", "signals")) == first
    assert len(first) == 4


@pytest.mark.django_db
def test_build_tolerates_an_entry_written_between_its_read_and_its_write(monkeypatch):
    """Another writer (a concurrent refresh where row locks do not apply) inserts today's row of an
    account after this build read the day and before it wrote: the build refreshes that row
    instead of failing on the unique constraint."""
    alice = collector("alice")
    customers = book(alice)
    queue_build(on=today())
    done = QueueEntry.objects.get(day=today(), customer=customers[1])
    real_score, raced = scoring.score, []

    def score_and_race(facts, on):
        if not raced:  # the open rows are deleted by now: write one behind the build's back
            raced.append(QueueEntry.objects.create(day=on, customer_id=customers[0].pk, collector=alice, score=1,
                                                   next_action="written by the other refresh"))
        return real_score(facts, on)

    QueueEntry.objects.filter(pk=done.pk).update(status=QueueEntry.Status.DONE, done_at=timezone.now())
    monkeypatch.setattr(scoring, "score", score_and_race)
    written = queue_build(on=today(), collector_ids=[alice.pk])
    assert raced and written == 3  # the done item stays as it is
    rows = QueueEntry.objects.filter(day=today())
    assert rows.count() == 4
    raced_row = rows.get(customer=customers[0])
    assert raced_row.score > 1 and raced_row.next_action != "written by the other refresh"
    assert rows.get(customer=customers[1]).status == QueueEntry.Status.DONE


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="concurrent writers need PostgreSQL (run with DATABASE_URL=postgres://…)")
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_refreshes_all_answer_and_leave_one_row_per_account():
    alice = collector("alice")
    book(alice, accounts=12)
    start, statuses, errors = threading.Barrier(4), [], []

    def refresh():
        try:
            client = Client()
            client.force_login(alice)
            start.wait(timeout=30)
            statuses.append(client.post(reverse("queue_refresh"), headers={"HX-Request": "true"}).status_code)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and statuses == [200, 200, 200, 200]
    assert QueueEntry.objects.filter(day=today()).count() == 12
