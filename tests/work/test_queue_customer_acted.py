"""Anything a customer does in the portal puts the account back on today's list at once, even when
the collector already worked it today, and a refresh keeps it there."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal import services as portal
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, collector
from work import services as work_services
from work.models import Dispute, QueueTask
from work.plans.models import PaymentPlan
from work.plans.services import plan_create
from work.queue import scoring
from work.queue.models import QueueEntry
from work.queue.services import queue_build, queue_customer_acted

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def alice():
    return collector("alice")


def account(alice, *, days_past_due=45, amount="6000.00"):
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice), name="Northwind Traders")
    ContactFactory(customer=customer)
    due = today() - timedelta(days=days_past_due)
    invoice = InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due,
                             amount=Decimal(amount))
    return customer, invoice


def worked_today(customer, alice):
    queue_build(on=today())
    work_services.outcome_log(customer=customer, kind="call", outcome="no_answer", by=alice)
    entry = QueueEntry.objects.get(day=today(), customer=customer)
    assert entry.status == QueueEntry.Status.DONE
    return entry


def test_portal_dispute_on_an_account_worked_today_is_back_on_the_list_at_once(alice):
    customer, invoice = account(alice)
    worked_today(customer, alice)
    portal.portal_dispute_open(invoice=invoice, root_cause=Dispute.RootCause.PRICING, message="Wrong price")
    entry = QueueEntry.objects.get(day=today(), customer=customer)
    assert entry.status == QueueEntry.Status.OPEN and entry.done_at is None and entry.collector == alice
    assert entry.reasons[0]["signal"] == "customer_acted"
    assert entry.reasons[0]["text"].startswith("Customer disputed via portal")
    assert entry.chips[0]["label"] == "Disputed via portal"
    assert entry.score >= scoring.CUSTOMER_ACTED
    assert entry.next_action == scoring.CUSTOMER_ACTED_NEXT
    assert " customer_acted " in entry.signals


def test_refresh_keeps_the_account_the_customer_acted_on(alice):
    customer, invoice = account(alice)
    worked_today(customer, alice)
    portal.portal_promise_record(customer=customer, amount=Decimal("6000.00"), pay_by=today() + timedelta(days=5),
                                 invoices=[invoice])
    queue_build(on=today(), collector_ids=[alice.pk])
    entry = QueueEntry.objects.get(day=today(), customer=customer)
    assert entry.status == QueueEntry.Status.OPEN
    signals = [r["signal"] for r in entry.reasons]
    assert signals[0] == "customer_acted" and "task_portal_promise" in signals
    assert entry.reasons[0]["text"].startswith("Customer promised via portal")


def test_refresh_puts_back_an_account_with_a_portal_task_raised_after_it_was_worked(alice):
    """Even without the portal's call (a task raised some other way), the build does not drop an
    account the customer acted on after the collector finished it."""
    customer, _ = account(alice)
    entry = worked_today(customer, alice)
    QueueEntry.objects.filter(pk=entry.pk).update(done_at=timezone.now() - timedelta(minutes=5))
    work_services.queue_task_raise(customer=customer, kind=QueueTask.Kind.PORTAL_REQUEST, title="Portal request: x")
    queue_build(on=today())
    entry = QueueEntry.objects.get(day=today(), customer=customer)
    assert entry.status == QueueEntry.Status.OPEN
    assert "task_portal_request" in entry.signals


def test_an_account_worked_today_without_customer_action_stays_done(alice):
    customer, _ = account(alice)
    worked_today(customer, alice)
    queue_build(on=today())
    assert QueueEntry.objects.get(day=today(), customer=customer).status == QueueEntry.Status.DONE


def test_customer_action_on_an_account_not_on_the_list_adds_it(alice):
    customer, invoice = account(alice, days_past_due=-10, amount="200.00")  # small and current: not listed
    queue_build(on=today())
    assert not QueueEntry.objects.filter(customer=customer).exists()
    portal.portal_feedback_record(customer=customer, score=2, comment="Too many emails")
    entry = QueueEntry.objects.get(day=today(), customer=customer)
    assert entry.status == QueueEntry.Status.OPEN and entry.collector == alice
    assert entry.reasons[0]["text"] == "Customer left feedback via portal: 2/5"


def test_snoozed_account_comes_back_when_the_customer_disputes_and_stays_after_refresh(alice):
    customer, invoice = account(alice)
    queue_build(on=today())
    entry = QueueEntry.objects.get(day=today(), customer=customer)
    work_services.queue_item_snooze(entry=entry, until=today() + timedelta(days=3), reason="AP away", by=alice)
    portal.portal_dispute_open(invoice=invoice, root_cause=Dispute.RootCause.DAMAGED, message="Crushed")
    queue_build(on=today())
    entry = QueueEntry.objects.get(day=today(), customer=customer)
    assert entry.status == QueueEntry.Status.OPEN
    assert entry.reasons[0]["signal"] == "customer_acted"


def test_portal_payment_plan_puts_the_account_back(alice):
    customer, invoice = account(alice)
    worked_today(customer, alice)
    plan_create(invoices=[invoice], installments=[(today() + timedelta(days=7), Decimal("3000.00")),
                                                  (today() + timedelta(days=37), Decimal("3000.00"))],
                by=None, source=PaymentPlan.Source.PORTAL)
    entry = QueueEntry.objects.get(day=today(), customer=customer)
    assert entry.status == QueueEntry.Status.OPEN
    assert entry.chips[0]["label"] == "Plan via portal"


def test_account_without_a_collector_is_left_alone():
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=None))
    assert queue_customer_acted(customer=customer, kind="dispute") is None
    assert not QueueEntry.objects.exists()
