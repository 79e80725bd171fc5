import pytest
from django.db import connection

from devtools.benchmarks.payments import webhook_rate
from ledger.models import Customer, Payment
from payments.models import WebhookEvent


def test_webhook_rate_posts_each_checkout_once_and_leaves_the_book_as_it_was(db, capsys):
    figures = webhook_rate(n=60)
    assert figures["webhook_events"] == 60
    assert figures["webhook_payments_posted"] == 20
    assert figures["webhook_events_stored"] == 40  # the replays were not stored
    assert figures["webhook_events_per_second"] > 0
    assert figures["webhook_processes"] == 1
    assert not Payment.objects.exists() and not WebhookEvent.objects.exists()
    with capsys.disabled():
        print("webhook bench (60 events, test db):", figures)


def test_inside_a_transaction_the_processes_fall_back_to_this_one(db):
    """A forked process could not see this test's uncommitted book: the run stays in-process."""
    figures = webhook_rate(n=30, processes=2)
    assert figures["webhook_processes"] == 1
    assert figures["webhook_payments_posted"] == 10


@pytest.mark.django_db(transaction=True)
def test_two_web_processes_deliver_at_once_and_leave_nothing_behind():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite takes one writer at a time)")
    figures = webhook_rate(n=60, processes=2)
    assert figures["webhook_processes"] == 2
    assert figures["webhook_events"] == 60  # 30 per process, each its own customer and event ids
    assert figures["webhook_payments_posted"] == 20
    assert figures["webhook_events_stored"] == 40
    assert not Payment.objects.exists() and not WebhookEvent.objects.exists()
    assert not Customer.objects.filter(external_id__startswith="BENCH-PAY-").exists()
