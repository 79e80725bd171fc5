from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from ledger.models import Customer
from reminders import outbox
from reminders.dunning import dunning_run
from reminders.models import DunningPolicy, InvoiceStepSent, OutboundMessage
from tests.reminders.factories import account, invoice, policy
from work.models import Activity, QueueTask
from work.services import dispute_open

pytestmark = pytest.mark.django_db
D = date(2026, 10, 20)


@pytest.fixture(autouse=True)
def _standard_policy():
    DunningPolicy.objects.all().delete()
    return policy(name="Standard", is_default=True)


def queued_reminder(**kwargs) -> OutboundMessage:
    """A reminder in the outbox whose send has not run yet (no on_commit in a test transaction)."""
    customer = account(**kwargs)
    invoice(customer, due=D - timedelta(days=4))
    dunning_run(as_of=D)
    return OutboundMessage.objects.get(customer=customer)


def test_a_claimed_row_is_never_sent_twice():
    message = queued_reminder()
    assert message.status == "queued"
    outbox.message_send(message_id=message.pk)
    outbox.message_send(message_id=message.pk)  # a retried task, or a second worker
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1
    assert len(mail.outbox) == 1
    assert message.provider_message_id == OutboundMessage.message_id_for(message.key)


def test_a_row_in_flight_with_another_worker_is_left_alone():
    message = queued_reminder()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status="sending", attempts=1, lease_until=timezone.now() + timedelta(minutes=5))
    assert outbox.message_send(message_id=message.pk) is None
    assert outbox.outbox_recover()["requeued"] == 0
    assert mail.outbox == []


def test_expired_lease_goes_back_to_the_queue_and_is_sent_with_the_same_message_id():
    message = queued_reminder()
    OutboundMessage.objects.filter(pk=message.pk).update(
        status="sending", attempts=1, lease_until=timezone.now() - timedelta(seconds=1))
    result = outbox.outbox_recover()
    assert result["requeued"] == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    assert mail.outbox[0].extra_headers["Message-ID"] == OutboundMessage.message_id_for(message.key)


def test_a_late_finish_from_a_lost_attempt_does_not_overwrite_the_new_claim():
    message = queued_reminder()
    OutboundMessage.objects.filter(pk=message.pk).update(status="sending", attempts=2)
    outbox._record_sent(message, attempt=1)
    message.refresh_from_db()
    assert message.status == "sending"


def test_transport_failure_requeues_then_fails_after_max_attempts():
    message = queued_reminder()
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("connection refused")):
        outbox.message_send(message_id=message.pk)
        message.refresh_from_db()
        assert message.status == "queued" and "connection refused" in message.error
        OutboundMessage.objects.filter(pk=message.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
        outbox.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "failed"


def test_queued_rows_whose_task_was_lost_are_dispatched_again():
    message = queued_reminder()
    OutboundMessage.objects.filter(pk=message.pk).update(dispatched_at=timezone.now() - timedelta(hours=1))
    assert outbox.outbox_recover()["dispatched"] == 1
    message.refresh_from_db()
    assert message.status == "sent"


@pytest.mark.parametrize("what", ["dispute", "hold", "paid"])
def test_what_arrives_between_the_run_and_the_send_stops_the_message(what):
    message = queued_reminder()
    inv = message.invoices.get()
    if what == "dispute":
        dispute_open(customer=message.customer, invoices=[inv], amount="1000.00", root_cause="pricing")
    elif what == "hold":
        Customer.objects.filter(pk=message.customer_id).update(status=Customer.Status.ON_HOLD)
    else:
        type(inv).objects.filter(pk=inv.pk).update(open_amount=0, status="paid")
    outbox.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "cancelled" and mail.outbox == []
    assert not Activity.objects.filter(customer=message.customer, kind="email").exists()
    if what == "dispute":  # the step can come back once the dispute is resolved
        assert not InvoiceStepSent.objects.filter(invoice=inv, outcome="sent").exists()


def test_a_partly_blocked_message_goes_out_with_the_remaining_invoices():
    customer = account()
    keep = invoice(customer, due=D - timedelta(days=4))
    disputed = invoice(customer, due=D - timedelta(days=5))
    dunning_run(as_of=D)
    message = OutboundMessage.objects.get()
    dispute_open(customer=customer, invoices=[disputed], amount="1000.00", root_cause="pricing")
    outbox.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "sent" and list(message.invoices.all()) == [keep]
    assert keep.external_id in mail.outbox[0].body and disputed.external_id not in mail.outbox[0].body
    html = mail.outbox[0].alternatives[0][0]  # the HTML part is made again from the same content
    assert keep.external_id in html and disputed.external_id not in html
    assert message.html_body == html


def test_sent_message_carries_open_pixel_and_tracked_portal_link():
    message = queued_reminder()
    outbox.message_send(message_id=message.pk)
    sent = mail.outbox[0]
    html = sent.alternatives[0][0]
    assert "/reminders/o/" in html and ".gif" in html
    assert "/reminders/c/" in sent.body
    assert not QueueTask.objects.exists()
