from devtools.benchmarks.payments import webhook_rate
from ledger.models import Payment
from payments.models import WebhookEvent


def test_webhook_rate_posts_each_checkout_once_and_leaves_the_book_as_it_was(db, capsys):
    figures = webhook_rate(n=60)
    assert figures["webhook_events"] == 60
    assert figures["webhook_payments_posted"] == 20
    assert figures["webhook_events_stored"] == 40  # the replays were not stored
    assert figures["webhook_events_per_second"] > 0
    assert not Payment.objects.exists() and not WebhookEvent.objects.exists()
    with capsys.disabled():
        print("webhook bench (60 events, SQLite test db):", figures)
