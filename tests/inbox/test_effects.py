"""What a classified email does: a person's reply raises one task, tops today's queue, lands on the
timeline under the message it answers and pauses the account's reminders for INBOX_REPLY_PAUSE_DAYS;
automatic replies and bounces wake nobody (a bounce goes to the bounce flow); unmatched mail waits in
the AR inbox until assigned, which learns the sender as a contact."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from inbox.effects import inbound_assign, inbound_received
from inbox.models import InboundAttachment, InboundEmail
from inbox.selectors import proposed_amount
from ledger.models import Contact
from reminders.eligibility import account_not_reminded, paused_customer_ids
from reminders.models import OutboundMessage
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, collector, past_due_invoice
from tests.inbox.mail import inbound
from work.models import Activity, QueueTask
from work.queue import scoring
from work.queue.models import QueueEntry
from work.queue.services import queue_build, queue_customer_acted

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=collector("alice")), name="Northwind Traders")
    contact = ContactFactory(customer=customer, email="pat@northwind.example")
    invoice = past_due_invoice(customer, "1200.00", days=20)
    message = OutboundMessage.objects.create(
        customer=customer, kind="dunning", key=f"dunning:{customer.pk}:1", contact=contact, to_email=contact.email,
        subject="Invoice overdue", body="Please pay.", status="sent", sent_at=timezone.now() - timedelta(days=1),
        provider_message_id=OutboundMessage.message_id_for(f"dunning:{customer.pk}:1"))
    message.invoices.set([invoice])
    return customer, contact, message


def test_human_reply_raises_a_task_tops_todays_queue_and_logs_the_timeline(account):
    customer, contact, message = account

    email = inbound(customer, "We will pay next week.", answers=message,
                    contact=contact)

    task = QueueTask.objects.get(key=f"inbox:{email.pk}")
    assert task.kind == QueueTask.Kind.CUSTOMER_REPLIED and task.status == QueueTask.Status.OPEN
    assert task.title.startswith("Proposes a promise to pay by")
    entry = QueueEntry.objects.get(day=timezone.localdate(), customer=customer)
    assert entry.reasons[0]["signal"] == "customer_acted" and entry.reasons[0]["kind"] == "email"
    assert entry.score >= scoring.CUSTOMER_ACTED + scoring.TASK_POINTS["customer_replied"]
    activity = Activity.objects.get(customer=customer, kind=Activity.Kind.EMAIL)
    assert activity.contact == contact and list(activity.invoices.all()) == list(message.invoices.all())
    assert "In reply to “Invoice overdue”" in activity.notes and "Promise:" in activity.notes


def test_effects_run_once_per_email(account):
    customer, contact, message = account
    email = inbound(customer, "Thanks, I forwarded this.", answers=message)

    inbound_received(email)

    assert QueueTask.objects.filter(customer=customer).count() == 1
    assert Activity.objects.filter(customer=customer).count() == 1


def test_says_paid_raises_the_check_the_cash_task(account):
    customer, _, message = account

    email = inbound(customer, "This was already paid on Friday.", answers=message)

    task = QueueTask.objects.get(key=f"inbox:{email.pk}")
    assert task.kind == QueueTask.Kind.SAYS_PAID and "check the cash" in task.title


def test_human_reply_pauses_reminders_for_the_setting_days(account, settings):
    customer, _, message = account
    settings.INBOX_REPLY_PAUSE_DAYS = 5
    email = inbound(customer, "Can you call me?", answers=message)

    assert customer.pk in paused_customer_ids()
    assert account_not_reminded(customer) == "the customer replied by email in the last 5 days"

    QueueTask.objects.filter(key=f"inbox:{email.pk}").update(created_at=timezone.now() - timedelta(days=6))
    assert customer.pk not in paused_customer_ids()
    assert account_not_reminded(customer) == ""


@pytest.mark.parametrize("headers,subject", [
    ({"auto-submitted": "auto-replied"}, "Re: Invoice overdue"),
    ({}, "Out of office: Invoice overdue"),
])
def test_automatic_reply_is_recorded_and_wakes_nobody(account, headers, subject):
    customer, _, message = account

    email = inbound(customer, "I am away until Monday.", subject=subject, headers=headers, answers=message)

    email.refresh_from_db()
    assert email.classification == "auto_reply" and email.status == InboundEmail.Status.DONE
    assert not QueueTask.objects.filter(customer=customer).exists()
    assert not QueueEntry.objects.filter(customer=customer).exists()
    assert not Activity.objects.filter(customer=customer).exists()
    assert customer.pk not in paused_customer_ids()


def dsn(message_id: str, recipient: str) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example\r\nTo: ar@acme.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.example>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message_id}\r\nSubject: Invoice overdue\r\n\r\n"
        "--B--\r\n"
    ).encode()


def test_bounce_goes_to_the_bounce_flow(account):
    customer, contact, message = account

    email = inbound(None, "Delivery failed.", subject="Undelivered Mail Returned to Sender",
                    sender="MAILER-DAEMON@mx.example",
                    headers={"content-type": "multipart/report; report-type=delivery-status"},
                    raw=dsn(message.provider_message_id, contact.email), effects=False)
    inbound_received(email)

    message.refresh_from_db()
    contact.refresh_from_db()
    email.refresh_from_db()
    assert email.classification == "bounce" and email.status == InboundEmail.Status.DONE
    assert message.bounced_at is not None and contact.email_bounced_at is not None
    assert QueueTask.objects.get(customer=customer).kind == QueueTask.Kind.BOUNCE  # the bounce flow's, not ours
    assert customer.pk not in paused_customer_ids()


def test_unmatched_mail_waits_then_assign_learns_the_sender(account):
    customer, _, _ = account
    email = inbound(None, "We dispute invoice 1042: the price is wrong.", sender="new.person@northwind.example",
                    from_name="New Person")
    assert not QueueTask.objects.exists() and email.status == InboundEmail.Status.NEW

    assigned = inbound_assign(email, customer, None)

    learned = Contact.objects.get(customer=customer, email="new.person@northwind.example")
    assert learned.name == "New Person" and assigned.contact == learned
    assert assigned.matched_by == "manual" and assigned.status == InboundEmail.Status.ASSIGNED
    task = QueueTask.objects.get(key=f"inbox:{email.pk}")
    assert task.title.startswith("Disputes (pricing)")
    assert customer.pk in paused_customer_ids()
    with pytest.raises(ValidationError, match="already assigned"):
        inbound_assign(email, customer, None)


def test_assign_reuses_a_known_contact(account):
    customer, contact, _ = account
    email = inbound(None, "Hello", sender="PAT@northwind.example")

    assert inbound_assign(email, customer, None).contact == contact
    assert Contact.objects.filter(customer=customer).count() == 1


def test_proposed_amount_is_the_answered_invoices_open_balance(account):
    customer, _, message = account
    past_due_invoice(customer, "300.00", days=40)
    with_message = inbound(customer, "We pay Friday.", answers=message, effects=False)
    without = inbound(customer, "We pay Friday.", effects=False)

    assert proposed_amount(with_message) == Decimal("1200.00")
    assert proposed_amount(without) == Decimal("1500.00")


def test_the_queue_item_says_what_the_customer_wrote_with_its_attachment(account):
    customer, contact, message = account
    paid_on = timezone.localdate() - timedelta(days=3)
    email = inbound(customer, f"This was already paid on {paid_on:%d %B %Y}, remittance attached.", answers=message,
                    contact=contact, effects=False)
    InboundAttachment.objects.create(email=email, filename="remittance-12-nov.pdf", content_type="application/pdf")

    inbound_received(email)

    entry = QueueEntry.objects.get(day=timezone.localdate(), customer=customer)
    assert entry.next_action.startswith(f"Customer replied: says it is paid on {date_format(paid_on, 'j M Y')}: “")
    assert entry.next_action.endswith("”, remittance-12-nov.pdf attached")
    assert "portal" not in entry.next_action
    assert scoring.chip_of(entry.reasons[0]) == "Customer wrote"


def test_a_promise_or_plain_reply_is_the_queue_items_next_action(account):
    customer, contact, message = account
    on = timezone.localdate() + timedelta(days=9)

    inbound(customer, f"We will pay on {on:%d %B %Y}.", answers=message, contact=contact)

    entry = QueueEntry.objects.get(day=timezone.localdate(), customer=customer)
    assert entry.next_action == f"Customer replied: promises to pay by {date_format(on, 'j M Y')}"

    inbound(customer, "Could you send the invoice copy to our new AP mailbox?", answers=message, contact=contact)

    entry.refresh_from_db()
    assert entry.next_action == "Customer replied: “Could you send the invoice copy to our new AP mailbox?”"


def test_a_portal_action_keeps_its_portal_next_action(account):
    customer, _, _ = account

    queue_customer_acted(customer=customer, kind="dispute", detail="INV-1")

    entry = QueueEntry.objects.get(day=timezone.localdate(), customer=customer)
    assert entry.next_action == scoring.CUSTOMER_ACTED_NEXT


def test_rebuilding_todays_queue_keeps_what_the_customer_wrote(account):
    customer, contact, message = account
    inbound(customer, "Could you send the invoice copy again?", answers=message, contact=contact)

    queue_build()

    entry = QueueEntry.objects.get(day=timezone.localdate(), customer=customer)
    assert entry.next_action == "Customer replied: “Could you send the invoice copy again?”"
