from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from ledger.models import Customer, Invoice
from ledger.services import payment_receive
from reminders.dunning import dunning_plan
from reminders.models import CustomerDunningSettings, DunningPolicy, InvoiceStepSent, OutboundMessage
from tests.reminders.factories import account, invoice, policy
from work.models import Activity, QueueTask
from work.services import dispute_open, promise_record

pytestmark = pytest.mark.django_db
D = date(2026, 10, 20)


@pytest.fixture(autouse=True)
def _standard_policy():
    DunningPolicy.objects.all().delete()
    return policy(name="Standard", is_default=True)


def test_one_message_per_customer_lists_every_invoice_due_for_a_step(run_dunning):
    customer = account()
    a = invoice(customer, due=D - timedelta(days=3))    # +3 due
    b = invoice(customer, due=D - timedelta(days=12))   # +10 due
    invoice(customer, due=D + timedelta(days=20))       # nothing due yet
    run = run_dunning(D)
    assert run.messages_queued == 1
    message = OutboundMessage.objects.get()
    assert message.status == OutboundMessage.Status.SENT
    assert set(message.invoices.all()) == {a, b}
    assert len(mail.outbox) == 1
    assert a.external_id in mail.outbox[0].body and b.external_id in mail.outbox[0].body
    assert "2,000.00 USD" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Message-ID"] == OutboundMessage.message_id_for(message.key)


def test_running_twice_the_same_day_sends_nothing_more(run_dunning):
    customer = account()
    invoice(customer, due=D - timedelta(days=4))
    run_dunning(D)
    second = run_dunning(D)
    assert second.messages_queued == 0
    assert len(mail.outbox) == 1


def test_catch_up_after_downtime_sends_only_the_step_due_now_and_skips_lower_ones(run_dunning):
    customer = account()
    inv = invoice(customer, due=D - timedelta(days=22))  # +20 is due; −5, +3, +10 were missed
    run_dunning(D)
    records = {r.offset_days: r.outcome for r in InvoiceStepSent.objects.filter(invoice=inv)}
    assert records == {-5: "skipped", 3: "skipped", 10: "skipped", 20: "sent"}
    assert len(mail.outbox) == 1 and "Step +20" in OutboundMessage.objects.get().step.name
    run_dunning(D + timedelta(days=3))  # still +20 territory: nothing
    assert len(mail.outbox) == 1
    run_dunning(D + timedelta(days=13))  # +35 due now
    assert len(mail.outbox) == 2


def test_pre_due_heads_up_is_sent_five_days_before_the_due_date(run_dunning):
    customer = account()
    invoice(customer, due=D + timedelta(days=5))
    invoice(customer, due=D + timedelta(days=6))
    run_dunning(D)
    assert OutboundMessage.objects.get().invoices.count() == 1


@pytest.mark.parametrize("block", ["hold", "dispute", "promise", "paid", "paused"])
def test_blocked_accounts_and_invoices_get_no_reminder(block, ledger_balances, run_dunning):
    customer = account()
    inv = invoice(customer, due=D - timedelta(days=5))
    if block == "hold":
        Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.ON_HOLD)
    elif block == "dispute":
        dispute_open(customer=customer, invoices=[inv], amount="1000.00", root_cause="pricing")
    elif block == "promise":
        promise_record(customer=customer, amount="1000.00", pay_by=date.today() + timedelta(days=5), invoices=[inv])
    elif block == "paid":
        payment_receive(customer=customer, external_id="P1", received_date=D, amount="1000.00", currency="USD",
                        applications=[(inv, Decimal("1000.00"))])
        ledger_balances()
    else:
        CustomerDunningSettings.objects.create(customer=customer, paused=True)
    plan = dunning_plan(D)
    assert plan.emails == {}
    run_dunning(D)
    assert mail.outbox == []


def test_per_customer_policy_overrides_the_segment_and_unknown_segment_uses_default():
    lenient = policy(name="Lenient", segment="public sector", steps=((30, "email"),))
    public = account(segment="public sector")
    odd = account(segment="space agencies")
    special = account(segment="public sector")
    CustomerDunningSettings.objects.create(customer=special, policy=DunningPolicy.objects.get(is_default=True))
    for customer in (public, odd, special):
        invoice(customer, due=D - timedelta(days=4))
    plan = dunning_plan(D)
    assert set(plan.emails) == {odd.pk, special.pk}
    assert lenient.steps.count() == 1


def test_task_step_hands_the_account_to_the_collector_queue(run_dunning):
    customer = account()
    invoice(customer, due=D - timedelta(days=41))
    run = run_dunning(D)
    assert run.tasks_raised == 1 and mail.outbox == []
    task = QueueTask.objects.get(customer=customer)
    assert task.kind == "dunning_step"
    run_dunning(D + timedelta(days=1))
    assert QueueTask.objects.count() == 1


def test_account_without_a_deliverable_email_goes_to_the_collector_instead(run_dunning):
    customer = account(email=False)
    invoice(customer, due=D - timedelta(days=4))
    run_dunning(D)
    task = QueueTask.objects.get(customer=customer, kind="dunning_step")
    assert mail.outbox == [] and task.title.startswith("No email address")


def test_sent_reminder_lands_on_the_timeline_and_marks_invoices_sent(run_dunning):
    customer = account()
    inv = invoice(customer, due=D - timedelta(days=4))
    run_dunning(D)
    inv.refresh_from_db()
    assert inv.sent_at is not None
    activity = Activity.objects.get(customer=customer, kind="email")
    assert list(activity.invoices.all()) == [inv]


def test_plan_is_a_bulk_evaluation(django_assert_max_num_queries):
    customers = [account() for _ in range(5)]
    for i in range(200):
        invoice(customers[i % 5], due=D - timedelta(days=i % 60))
    with django_assert_max_num_queries(8):
        plan = dunning_plan(D)
    assert plan.invoices_evaluated == 200
    assert len(plan.emails) == 5


def test_run_dunning_command_dry_run_changes_nothing(capsys, django_capture_on_commit_callbacks):
    customer = account()
    invoice(customer, due=D - timedelta(days=4))
    call_command("run_dunning", "--as-of", D.isoformat(), "--dry-run")
    assert "messages 1" in capsys.readouterr().out
    assert OutboundMessage.objects.count() == 0 and InvoiceStepSent.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_dunning", "--as-of", D.isoformat())
    assert OutboundMessage.objects.get().status == "sent"
    assert Invoice.objects.filter(sent_at__isnull=False).count() == 1
