"""The timeline threads a conversation: the customer's reply sits under the message of ours it
answers, the collector's answer under it, oldest first, and the conversation stands where its latest
message does. Built from the Message-IDs the activities carry (work.timeline.threaded)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from lxml import html

from inbox.handling import inbound_reply
from reminders import outbox
from reminders.models import OutboundMessage
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, collector, past_due_invoice
from tests.inbox.mail import inbound
from work.models import Activity
from work.timeline import Entry, threaded, timeline_for


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 9, 30, tzinfo=UTC)


def email(day: int, title: str, message_id: str, in_reply_to: str = "") -> Entry:
    return Entry("activity", at(day), title, message_id=message_id, in_reply_to=in_reply_to)


def test_replies_sit_under_the_first_message_oldest_first_and_the_thread_stands_at_its_latest():
    reminder = email(1, "Reminder", "<r1@us.example>")
    reply = email(3, "Customer reply", "<c1@them.example>", in_reply_to="<r1@us.example>")
    answer = email(4, "Our answer", "<a1@us.example>", in_reply_to="c1@them.example")  # brackets or not
    payment = Entry("payment", at(2), "Payment received")
    call = Entry("activity", at(5), "Call")
    orphan = email(1, "Reply to a message not shown", "<o@them.example>", in_reply_to="<gone@us.example>")

    result = threaded([call, answer, reply, payment, reminder, orphan])

    assert [e.title for e in result] == ["Call", "Reminder", "Payment received", "Reply to a message not shown"]
    assert [r.title for r in result[1].replies] == ["Customer reply", "Our answer"]
    assert result[1].latest == at(4) and all(not e.replies for e in result if e.title != "Reminder")


def test_a_loop_of_answers_is_left_unthreaded():
    first = email(1, "A", "<a@x>", in_reply_to="<b@x>")
    second = email(2, "B", "<b@x>", in_reply_to="<a@x>")

    assert [e.title for e in threaded([first, second])] == ["B", "A"]


@pytest.mark.django_db
def test_a_reminder_the_customers_reply_and_our_answer_are_one_thread_on_the_account_page(client):
    alice = collector("alice")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice), name="Northwind Traders")
    contact = ContactFactory(customer=customer, email="pat@northwind.example")
    invoice = past_due_invoice(customer, "1200.00", days=20)
    reminder, _ = outbox.message_queue(customer=customer, kind=OutboundMessage.Kind.MANUAL, key="manual:thread:1",
                                       contact=contact, subject="Invoice overdue", body="Please pay.",
                                       invoices=[invoice], dispatch=False)
    outbox.message_send(message_id=reminder.pk)
    reminder.refresh_from_db()
    reply = inbound(customer, "We will pay next week.", subject="Re: Invoice overdue", answers=reminder,
                    contact=contact)
    answer = inbound_reply(email=reply, body="Thank you, noted.", by=alice)
    outbox.message_send(message_id=answer.pk)
    Activity.objects.create(customer=customer, kind=Activity.Kind.CALL, subject="Called about something else",
                            occurred_at=reply.received_at - timedelta(minutes=1))

    entries = timeline_for(customer)
    head = next(e for e in entries if e.replies)
    assert head.detail == "Invoice overdue"
    assert [r.detail for r in head.replies] == [f"Email from Pat Payables: {reply.subject}", answer.subject]
    assert entries[0] is head  # our answer is the latest thing on the account

    client.force_login(alice)
    page = html.fromstring(client.get(reverse("account", args=[customer.pk])).content)
    threads = page.xpath('//*[@id="timeline-entries"]//li[contains(@class, "t-thread")]')
    assert len(threads) == 1 and "Invoice overdue" in " ".join(d.text_content() for d in threads[0].xpath("./div"))
    nested = [" ".join(li.text_content().split()) for li in threads[0].xpath('./ol[contains(@class, "replies")]/li')]
    assert len(nested) == 2 and "Email from Pat Payables" in nested[0] and answer.subject in nested[1]
    # the call is not part of the conversation
    assert all("Called about something else" not in text for text in nested)


@pytest.mark.django_db
def test_email_activities_logged_before_threading_get_their_message_ids_from_the_migration():
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("inbox.migrations.0002_activity_threads").forwards
    customer = CustomerFactory()
    contact = ContactFactory(customer=customer, email="pat@northwind.example")
    sent = OutboundMessage.objects.create(
        customer=customer, kind="dunning", key="dunning:old:1", contact=contact, to_email=contact.email,
        subject="Invoice overdue", body="Please pay.", status="sent", sent_at=at(1),
        provider_message_id=OutboundMessage.message_id_for("dunning:old:1"))
    reply = inbound(customer, "Paid yesterday.", answers=sent, contact=contact, received_at=at(2), effects=False)
    old = [Activity.objects.create(customer=customer, kind="email", subject="Invoice overdue", occurred_at=at(1)),
           Activity.objects.create(customer=customer, kind="email", subject="Email from Pat: Re: Your invoice",
                                   occurred_at=at(2)),
           Activity.objects.create(customer=customer, kind="email", subject="Unrelated", occurred_at=at(3))]

    backfill(apps, None)

    mine, theirs, other = (Activity.objects.get(pk=a.pk) for a in old)
    assert (mine.message_id, mine.in_reply_to) == (sent.provider_message_id, "")
    assert (theirs.message_id, theirs.in_reply_to) == (reply.message_id, sent.provider_message_id)
    assert (other.message_id, other.in_reply_to) == ("", "")
