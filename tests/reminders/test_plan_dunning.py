"""Dunning around a payment plan: paused while the plan is on track, resumed with the policy's
missed-installment message (one, through the outbox) when an installment is missed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from reminders.eligibility import invoices_blocked_from_dunning
from reminders.models import DunningPolicy, MessageTemplate, OutboundMessage
from reminders.plan_notices import plan_missed_notices_send
from tests.reminders.factories import account, invoice, policy
from work.models import QueueTask
from work.plans.models import PaymentPlan
from work.plans.services import plan_cancel, plan_create, plans_settle

pytestmark = pytest.mark.django_db


@pytest.fixture
def dunning_policy():
    p = policy(name="Plans", segment="mid-market")
    p.plan_missed_template = MessageTemplate.objects.get(kind=MessageTemplate.Kind.PLAN_MISSED)
    p.save()
    return p


def planned_account(days_past_due=12):
    today = timezone.localdate()
    customer = account()
    planned = invoice(customer, due=today - timedelta(days=days_past_due), amount="900.00")
    other = invoice(customer, due=today - timedelta(days=days_past_due), amount="100.00")
    plan = plan_create(invoices=[planned], installments=[
        (today + timedelta(days=5), Decimal("300.00")), (today + timedelta(days=35), Decimal("600.00"))])
    return customer, planned, other, plan


def test_invoices_in_a_plan_on_track_get_no_reminder(dunning_policy, run_dunning):
    customer, planned, other, plan = planned_account()

    run_dunning(timezone.localdate())

    assert planned in invoices_blocked_from_dunning()
    message = OutboundMessage.objects.get(customer=customer, kind=OutboundMessage.Kind.DUNNING)
    assert list(message.invoices.all()) == [other]


def test_missed_installment_resumes_dunning_with_one_plan_message(dunning_policy, run_dunning,
                                                                  django_capture_on_commit_callbacks):
    customer, planned, other, plan = planned_account()
    morning = plan.installments.get(number=1).due_on + timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        plans_settle(on=morning)
        plan_missed_notices_send(on=morning)  # the morning's reminders pass
    with django_capture_on_commit_callbacks(execute=True):
        plans_settle(on=morning)  # the second run finds it already missed
        assert plan_missed_notices_send(on=morning) == 0  # and the message already sent

    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.BROKEN
    message = OutboundMessage.objects.get(kind=OutboundMessage.Kind.PLAN)
    assert message.key == f"plan:{plan.pk}:1" and message.status == OutboundMessage.Status.SENT
    assert message.subject == f"Your payment plan: installment 1 is overdue — {customer.name}"
    assert "300.00 USD, due on" in message.body and "Still to pay under the plan: 900.00 USD" in message.body
    assert planned.external_id in message.body
    assert [m.subject for m in mail.outbox] == [message.subject]
    assert planned not in invoices_blocked_from_dunning()

    run_dunning(morning)  # normal reminders pick the plan's invoice up again
    dunning = OutboundMessage.objects.get(kind=OutboundMessage.Kind.DUNNING)
    assert planned in dunning.invoices.all()


def test_no_plan_message_without_a_template_but_the_collector_still_gets_the_task(run_dunning):
    policy(name="Bare", segment="mid-market")
    DunningPolicy.objects.filter(segment="mid-market").update(plan_missed_template=None)
    customer, planned, other, plan = planned_account()

    plans_settle(on=plan.installments.get(number=1).due_on + timedelta(days=1))
    plan_missed_notices_send()

    assert not OutboundMessage.objects.filter(kind=OutboundMessage.Kind.PLAN).exists()
    task = QueueTask.objects.get(customer=customer, kind=QueueTask.Kind.PLAN_MISSED)
    assert "No message sent: the dunning policy has no missed-installment template." in task.detail


def test_no_plan_message_to_an_account_on_hold(dunning_policy):
    customer, planned, other, plan = planned_account()
    customer.status = customer.Status.ON_HOLD
    customer.save()

    plans_settle(on=plan.installments.get(number=1).due_on + timedelta(days=1))
    plan_missed_notices_send()

    assert not OutboundMessage.objects.filter(kind=OutboundMessage.Kind.PLAN).exists()
    assert "the account is on hold" in QueueTask.objects.get(kind=QueueTask.Kind.PLAN_MISSED).detail.lower()


def test_cancelled_plan_puts_its_invoices_back_into_dunning(dunning_policy):
    customer, planned, other, plan = planned_account()
    assert planned in invoices_blocked_from_dunning()

    plan_cancel(plan=plan, reason="Customer went quiet")

    assert planned not in invoices_blocked_from_dunning()
