"""The send task reports what it sent (it read the row it claimed, which still said "sending"), and
statement emails close with the collector's signature once."""

from datetime import date, timedelta

import pytest
from django.core import mail

from ledger.models import Customer
from portfolios.models import CollectorProfile
from reminders.dunning import dunning_run
from reminders.models import DunningPolicy, MessageTemplate, OutboundMessage
from reminders.outbox import message_send, messages_send_task
from reminders.statements import statement_issue
from tests.factories import PortfolioFactory, collector
from tests.reminders.factories import account, invoice, policy

pytestmark = pytest.mark.django_db
D = date(2026, 10, 20)


def queued(n: int) -> list[int]:
    DunningPolicy.objects.all().delete()
    policy(name="Standard", is_default=True)
    for _ in range(n):
        invoice(account(), due=D - timedelta(days=4))
    dunning_run(as_of=D)  # no on_commit in a test transaction: the rows wait in the queue
    return list(OutboundMessage.objects.values_list("pk", flat=True))


def test_the_send_task_counts_the_messages_it_sent():
    ids = queued(3)
    assert messages_send_task(ids) == 3
    assert len(mail.outbox) == 3
    assert messages_send_task(ids) == 0  # nothing left to send


def test_the_sent_message_says_sent():
    [pk] = queued(1)
    message = message_send(message_id=pk)
    assert message.status == OutboundMessage.Status.SENT and message.sent_at is not None


def test_a_statement_email_closes_with_the_signature_once():
    user = collector("jane", first_name="Jane", last_name="Doe")
    CollectorProfile.objects.update_or_create(user=user, defaults={
        "title": "Collector", "signature": "Kind regards,\nJane Doe\nCollector\nAccounts Receivable · 555-0100"})
    customer = account(portfolio=PortfolioFactory(collector=user))
    invoice(customer, due=D - timedelta(days=4))
    customer = Customer.objects.get(pk=customer.pk)  # as a run reads it, with the profile just saved
    assert MessageTemplate.objects.get(kind=MessageTemplate.Kind.STATEMENT).body.endswith("{{ sign_off }}")

    statement = statement_issue(customer=customer, month=date(2026, 11, 1), as_of=D)

    body = statement.message.body
    assert body.count("Kind regards") == 1 and body.count("Jane Doe") == 1
    assert body.rstrip().endswith("Accounts Receivable · 555-0100")


def test_without_a_signature_the_closing_is_the_collectors_name():
    user = collector("joe", first_name="Joe", last_name="Bloggs")
    CollectorProfile.objects.filter(user=user).update(signature="")
    customer = account(portfolio=PortfolioFactory(collector=user))
    invoice(customer, due=D - timedelta(days=4))

    body = statement_issue(customer=customer, month=date(2026, 11, 1), as_of=D).message.body

    assert "Kind regards,\nJoe Bloggs\nCollections specialist" in body and body.count("Joe Bloggs") == 1
