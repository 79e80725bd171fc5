"""Collection-work services: logging outcomes, follow-ups, snoozes and reassigning an item."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ledger.models import Customer
from portfolios.models import Assignment
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, manager
from work import services as work_services
from work.models import Activity, Dispute, PromiseToPay
from work.queue.models import QueueEntry, Snooze
from work.queue.services import queue_build

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def item():
    customer = CustomerFactory(portfolio=PortfolioFactory())
    InvoiceFactory(customer=customer, issue_date=today() - timedelta(days=80), due_date=today() - timedelta(days=45),
                   amount=Decimal("2000.00"))
    queue_build(on=today())
    return QueueEntry.objects.get(customer=customer)


def test_a_promise_logged_on_a_call_records_the_promise_and_completes_the_item(item):
    customer = item.customer
    contact = ContactFactory(customer=customer)
    invoice = customer.invoices.get()
    activity = work_services.outcome_log(
        customer=customer, kind="call", outcome=Activity.Outcome.PROMISED, by=customer.portfolio.collector,
        contact=contact, invoices=[invoice], notes="Paying Friday", promise_amount=Decimal("2000.00"),
        pay_by=today() + timedelta(days=4),
    )
    promise = PromiseToPay.objects.get()
    assert (promise.amount, promise.activity, list(promise.invoices.all())) == (Decimal("2000.00"), activity,
                                                                               [invoice])
    item.refresh_from_db()
    assert (item.status, item.activity, item.done_by) == ("done", activity, customer.portfolio.collector)


def test_promised_needs_an_amount_and_a_future_date(item):
    with pytest.raises(ValidationError):
        work_services.outcome_log(customer=item.customer, kind="call", outcome="promised", by=None)
    with pytest.raises(ValidationError):
        work_services.outcome_log(customer=item.customer, kind="call", outcome="promised", by=None,
                                  promise_amount="10.00", pay_by=today() - timedelta(days=1))
    assert not Activity.objects.exists()


def test_disputed_needs_a_reason_and_invoices(item):
    with pytest.raises(ValidationError):
        work_services.outcome_log(customer=item.customer, kind="call", outcome="disputed", by=None,
                                  invoices=list(item.customer.invoices.all()))
    with pytest.raises(ValidationError):
        work_services.outcome_log(customer=item.customer, kind="call", outcome="disputed", by=None,
                                  dispute_root_cause="pricing")
    assert not Dispute.objects.exists()


def test_an_invoice_of_another_account_is_refused(item):
    with pytest.raises(ValidationError):
        work_services.outcome_log(customer=item.customer, kind="call", outcome="reached", by=None,
                                  invoices=[InvoiceFactory()])


def test_a_next_action_date_becomes_the_follow_up(item):
    work_services.outcome_log(customer=item.customer, kind="email", outcome="voicemail", by=None,
                              next_action_on=today() + timedelta(days=2), notes="Left a message")
    customer = Customer.objects.get(pk=item.customer_id)
    assert (customer.follow_up_on, customer.follow_up_note) == (today() + timedelta(days=2), "Left a message")


def test_follow_up_is_for_today_or_later(item):
    with pytest.raises(ValidationError):
        work_services.follow_up_set(customer=item.customer, on=today() - timedelta(days=1))


def test_snooze_needs_a_later_date_and_a_reason(item):
    with pytest.raises(ValidationError):
        work_services.queue_item_snooze(entry=item, until=today(), reason="later", by=None)
    with pytest.raises(ValidationError):
        work_services.queue_item_snooze(entry=item, until=today() + timedelta(days=1), reason="  ", by=None)
    snooze = work_services.queue_item_snooze(entry=item, until=today() + timedelta(days=3), reason="AP away", by=None)
    item.refresh_from_db()
    assert (item.status, snooze.reason) == ("snoozed", "AP away")
    assert Snooze.objects.count() == 1


def test_reassigning_an_item_moves_the_account_with_history(item):
    boss = manager()
    other = PortfolioFactory()
    work_services.queue_item_reassign(entry=item, portfolio=other, by=boss, reason="Bob is on leave")
    item.refresh_from_db()
    assert item.collector == other.collector
    assert Customer.objects.get(pk=item.customer_id).portfolio == other
    current = Assignment.objects.get(customer_id=item.customer_id, ends_on__isnull=True)
    assert (current.portfolio, current.by, current.reason) == (other, boss, "Bob is on leave")


def test_logging_work_answers_the_accounts_open_tasks_but_not_those_with_their_own_flow(item):
    from work.models import QueueTask

    customer, collector = item.customer, item.customer.portfolio.collector
    handed_over = QueueTask.objects.create(customer=customer, kind=QueueTask.Kind.DUNNING_STEP, title="Call them")
    portal = QueueTask.objects.create(customer=customer, kind=QueueTask.Kind.PORTAL_REQUEST, title="Wants a copy")
    later = QueueTask.objects.create(customer=customer, kind=QueueTask.Kind.MANUAL, title="Check in next week",
                                     due_on=today() + timedelta(days=7))
    missed = QueueTask.objects.create(customer=customer, kind=QueueTask.Kind.PLAN_MISSED, title="Missed installment")
    elsewhere = QueueTask.objects.create(customer=CustomerFactory(portfolio=customer.portfolio),
                                         kind=QueueTask.Kind.DUNNING_STEP, title="Another account")
    tomorrow = today() + timedelta(days=1)

    def task_signals():
        queue_build(on=tomorrow)
        entry = QueueEntry.objects.filter(customer=customer, day=tomorrow).first()
        return {r["signal"] for r in entry.reasons if r["signal"].startswith("task_")} if entry else set()

    assert {"task_dunning_step", "task_portal_request"} <= task_signals()
    work_services.outcome_log(customer=customer, kind=Activity.Kind.CALL, outcome=Activity.Outcome.REACHED,
                              by=collector, notes="Spoke to AP")

    statuses = {task.pk: (task.status, task.by_id) for task in QueueTask.objects.all()}
    assert statuses[handed_over.pk] == (QueueTask.Status.DONE, collector.pk)
    assert statuses[portal.pk] == (QueueTask.Status.DONE, collector.pk)
    assert statuses[later.pk][0] == statuses[missed.pk][0] == statuses[elsewhere.pk][0] == QueueTask.Status.OPEN

    assert not {"task_dunning_step", "task_portal_request"} & task_signals()  # tomorrow's list
