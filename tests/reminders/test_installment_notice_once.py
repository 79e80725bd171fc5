"""A customer hears about missed plan installments once per pass: installments missed together
make one email (they made one each, in the same second), and the dunning run is the one door
that sends it, whoever starts the pass and however often."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from reminders.models import MessageTemplate, OutboundMessage
from reminders.plan_notices import plan_missed_notices_send
from reminders.tasks import dunning_run_daily
from tests.reminders.factories import account, invoice, policy
from work.models import QueueTask
from work.plans.services import plan_create, plans_settle

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def plan_of_three():
    p = policy(name="Plans", segment="mid-market")
    p.plan_missed_template = MessageTemplate.objects.get(kind=MessageTemplate.Kind.PLAN_MISSED)
    p.save()
    customer = account()
    planned = invoice(customer, due=TODAY - timedelta(days=12), amount="900.00")
    plan = plan_create(invoices=[planned], installments=[
        (TODAY + timedelta(days=5), Decimal("300.00")), (TODAY + timedelta(days=10), Decimal("300.00")),
        (TODAY + timedelta(days=15), Decimal("300.00"))])
    return customer, plan


def plan_messages():
    return list(OutboundMessage.objects.filter(kind=OutboundMessage.Kind.PLAN).order_by("pk"))


def test_installments_missed_together_make_one_message(plan_of_three, django_capture_on_commit_callbacks):
    customer, plan = plan_of_three
    morning = TODAY + timedelta(days=11)  # installments 1 and 2 are both missed this morning
    plans_settle(on=morning)
    assert QueueTask.objects.filter(kind=QueueTask.Kind.PLAN_MISSED).count() == 2  # the collector's tasks

    with django_capture_on_commit_callbacks(execute=True):
        assert plan_missed_notices_send(on=morning) == 1
        assert plan_missed_notices_send(on=morning) == 0

    [message] = plan_messages()
    assert message.key == f"plan:{plan.pk}:2"
    assert message.subject == f"Your payment plan: installment 1 and 2 is overdue — {customer.name}"
    assert "installment 1 and 2 of 600.00 USD" in message.body
    assert len(mail.outbox) == 1


def test_a_later_missed_installment_is_told_once_more(plan_of_three, django_capture_on_commit_callbacks):
    customer, plan = plan_of_three
    plans_settle(on=TODAY + timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        plan_missed_notices_send(on=TODAY + timedelta(days=6))
    plans_settle(on=TODAY + timedelta(days=11))
    with django_capture_on_commit_callbacks(execute=True):
        plan_missed_notices_send(on=TODAY + timedelta(days=11))
        plan_missed_notices_send(on=TODAY + timedelta(days=12))

    assert [m.key for m in plan_messages()] == [f"plan:{plan.pk}:1", f"plan:{plan.pk}:2"]


def test_the_dunning_run_is_the_one_door_whoever_starts_the_pass(plan_of_three, run_dunning,
                                                                django_capture_on_commit_callbacks):
    customer, plan = plan_of_three
    morning = TODAY + timedelta(days=6)
    plans_settle(on=morning)

    run = run_dunning(morning)  # the pass itself tells the customer
    assert len(plan_messages()) == 1 and run.messages_queued == 1
    with django_capture_on_commit_callbacks(execute=True):
        dunning_run_daily(morning.isoformat(), "manager")  # "Run today's pass now", the same second
        call_command("run_dunning", "--as-of", morning.isoformat())

    [message] = plan_messages()
    assert message.key == f"plan:{plan.pk}:1" and message.status == OutboundMessage.Status.SENT
    assert [m.subject for m in mail.outbox] == [message.subject]  # one email, not a plan message and a reminder


def test_the_plans_invoice_is_not_reminded_in_the_same_pass_but_the_others_are(plan_of_three, run_dunning):
    customer, plan = plan_of_three
    other = invoice(customer, due=TODAY - timedelta(days=12), amount="100.00")
    morning = TODAY + timedelta(days=6)
    plans_settle(on=morning)

    run_dunning(morning)

    [notice] = plan_messages()
    reminder = OutboundMessage.objects.get(kind=OutboundMessage.Kind.DUNNING)
    assert list(reminder.invoices.all()) == [other]
    planned = plan.invoices.get()
    assert planned.dunning_steps.get(outcome="sent").message == notice  # the step due went with the notice
