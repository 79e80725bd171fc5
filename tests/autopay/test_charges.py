"""Charges: planned on their day, announced first, collected exactly once (two beat runs, a
retried task, two workers, a worker that died mid-way), and a failure that hands the invoice back
to dunning with a task for the collector."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from autopay import services, tasks
from autopay.models import AutopayCharge, Mandate
from autopay.selectors import invoices_autopay_covered
from ledger.models import Invoice, Payment
from payments.models import PaymentRequest
from tests.autopay.conftest import CARD_NO_FUNDS, SEPA_CLEARS, SEPA_FAILS, customer_with_invoices, enrol
from work.models import QueueTask
from work.services import dispute_open

pytestmark = pytest.mark.django_db


def _on(days: int):
    return timezone.localdate() + timedelta(days=days)


def test_enrolment_plans_each_open_invoice_on_its_due_date_never_inside_the_notice_period(commit):
    customer = customer_with_invoices(10, 1, -5)
    mandate = enrol(customer, commit)

    charges = {c.invoice.due_date: c for c in AutopayCharge.objects.select_related("invoice")}
    assert mandate.status == Mandate.Status.ACTIVE
    assert charges[_on(10)].charge_date == _on(10)  # its due date
    assert charges[_on(1)].charge_date == _on(3)  # due before the announcement could go out
    assert charges[_on(-5)].charge_date == _on(3)  # already due when autopay started
    assert {c.status for c in charges.values()} == {AutopayCharge.Status.SCHEDULED}
    invoice = charges[_on(10)].invoice
    assert charges[_on(10)].key == f"autopay:{invoice.pk}:{_on(10).isoformat()}"
    assert charges[_on(10)].amount == Decimal("4200.00") and charges[_on(10)].currency == "EUR"


def test_a_day_of_the_month_mandate_collects_on_that_day(commit):
    customer = customer_with_invoices(10)
    enrol(customer, commit, charge_on=_on(12).day if _on(12).day <= 28 else 1)
    charge = AutopayCharge.objects.get()
    assert charge.charge_date.day == charge.mandate.charge_on and charge.charge_date >= _on(10)


def test_planning_twice_plans_nothing_more(commit):
    customer = customer_with_invoices(10, 20)
    enrol(customer, commit)
    assert services.charges_plan() == 0
    tasks.autopay_run.delay()
    assert AutopayCharge.objects.count() == 2


def test_disputed_invoices_are_not_planned(commit):
    customer = customer_with_invoices(10, 20)
    first = customer.invoices.order_by("due_date").first()
    dispute_open(customer=customer, invoices=[first], amount="100.00", root_cause="pricing")
    enrol(customer, commit)
    assert list(AutopayCharge.objects.values_list("invoice_id", flat=True)) == [
        customer.invoices.order_by("due_date").last().pk]


def test_the_charge_is_collected_on_its_day_exactly_once_across_two_beat_runs_and_a_retried_task(
        commit, ledger_balances):
    customer = customer_with_invoices(10)
    enrol(customer, commit)
    charge = AutopayCharge.objects.get()
    with commit():
        tasks.autopay_run.delay(_on(9).isoformat())  # the day before: nothing is due
    assert PaymentRequest.objects.filter(origin="autopay").count() == 0

    with commit():
        tasks.autopay_run.delay(_on(10).isoformat())
        tasks.autopay_run.delay(_on(10).isoformat())  # a second beat run the same day
        tasks.charge_collect_task.delay(charge.pk, _on(10).isoformat())  # the broker redelivers the task
    with commit():
        tasks.autopay_run.delay(_on(11).isoformat())  # and the next day

    charge.refresh_from_db()
    assert charge.status == AutopayCharge.Status.SUCCEEDED
    assert PaymentRequest.objects.filter(origin="autopay").count() == 1
    assert charge.request.key == charge.key and charge.request.status == PaymentRequest.Status.SUCCEEDED
    assert Payment.objects.filter(customer=customer).count() == 1
    invoice = Invoice.objects.get(pk=charge.invoice_id)
    assert invoice.status == Invoice.Status.PAID and invoice.open_amount == 0
    assert not invoices_autopay_covered().exists()
    ledger_balances()


def test_a_second_worker_finds_the_charge_taken(commit):
    customer = customer_with_invoices(10)
    enrol(customer, commit)
    charge = AutopayCharge.objects.get()
    first = services._claim(charge.pk, _on(10))
    assert first is not None and first.status == AutopayCharge.Status.CHARGING
    assert services._claim(charge.pk, _on(10)) is None
    assert services.charge_collect(charge_id=charge.pk, on=_on(10)) is None
    assert PaymentRequest.objects.count() == 0


def test_a_worker_that_died_after_claiming_is_replaced_without_a_second_charge(commit, ledger_balances, settings):
    customer = customer_with_invoices(10)
    enrol(customer, commit)
    charge = AutopayCharge.objects.get()
    services._claim(charge.pk, _on(10))  # ... and the worker died before asking the provider

    assert services.charges_stuck_retry() == 0  # too early: it may still be working
    later = timezone.now() + timedelta(minutes=settings.AUTOPAY_CHARGING_RETRY_MINUTES + 1)
    with commit():
        assert services.charges_stuck_retry(now=later) == 1
    with commit():
        assert services.charges_stuck_retry(now=later + timedelta(hours=1)) == 0

    charge.refresh_from_db()
    assert charge.status == AutopayCharge.Status.SUCCEEDED
    assert PaymentRequest.objects.count() == 1 and Payment.objects.count() == 1
    ledger_balances()


def test_the_provider_is_asked_with_the_charges_key_once_per_charge(commit):
    customer = customer_with_invoices(10)
    enrol(customer, commit)
    charge = AutopayCharge.objects.get()
    with mock.patch("autopay.services.charge_saved_method", wraps=services.charge_saved_method) as asked:
        with commit():
            tasks.autopay_run.delay(_on(10).isoformat())
            tasks.autopay_run.delay(_on(10).isoformat())
    assert asked.call_count == 1
    assert asked.call_args.kwargs["key"] == charge.key
    assert asked.call_args.kwargs["lines"] == [(charge.invoice, Decimal("4200.00"))]


def test_a_failed_charge_resumes_dunning_raises_a_task_and_is_told_once(commit, ledger_balances):
    customer = customer_with_invoices(10)
    enrol(customer, commit, number=CARD_NO_FUNDS)
    charge = AutopayCharge.objects.get()
    assert list(invoices_autopay_covered()) == [charge.invoice]

    with commit():
        tasks.autopay_run.delay(_on(10).isoformat())

    charge.refresh_from_db()
    assert charge.status == AutopayCharge.Status.FAILED
    assert "insufficient funds" in charge.failure_reason
    assert not invoices_autopay_covered().exists()  # reminded again
    task = QueueTask.objects.get(key=f"autopay-failed:{charge.key}")
    assert task.customer == customer and task.status == QueueTask.Status.OPEN and "insufficient" in task.detail
    assert Payment.objects.count() == 0 and Invoice.objects.get(pk=charge.invoice_id).status == Invoice.Status.OPEN
    # The next runs neither charge it again nor plan it anew: dunning has it now.
    with commit():
        tasks.autopay_run.delay(_on(11).isoformat())
    assert AutopayCharge.objects.count() == 1 and PaymentRequest.objects.count() == 1
    ledger_balances()


def test_a_direct_debit_still_clearing_keeps_the_invoice_covered_until_it_fails(commit):
    customer = customer_with_invoices(10)
    enrol(customer, commit, number=SEPA_FAILS, kind="sepa_debit")
    charge = AutopayCharge.objects.get()
    with commit():
        tasks.autopay_run.delay(_on(10).isoformat())
    charge.refresh_from_db()
    assert charge.status == AutopayCharge.Status.CHARGING
    assert charge.request.status == PaymentRequest.Status.PENDING
    assert list(invoices_autopay_covered()) == [charge.invoice]

    from payments.providers import sandbox
    with commit():
        sandbox.settle(charge.request, "failed")
    charge.refresh_from_db()
    assert charge.status == AutopayCharge.Status.FAILED
    assert "returned" in charge.failure_reason
    assert not invoices_autopay_covered().exists()
    assert QueueTask.objects.filter(key=f"autopay-failed:{charge.key}").exists()


def test_a_direct_debit_that_clears_settles_the_charge(commit, ledger_balances):
    customer = customer_with_invoices(10)
    enrol(customer, commit, number=SEPA_CLEARS, kind="sepa_debit")
    charge = AutopayCharge.objects.get()
    with commit():
        tasks.autopay_run.delay(_on(10).isoformat())
    charge.refresh_from_db()
    from payments.providers import sandbox
    with commit():
        sandbox.settle(charge.request, "succeeded")
    charge.refresh_from_db()
    assert charge.status == AutopayCharge.Status.SUCCEEDED
    assert Invoice.objects.get(pk=charge.invoice_id).status == Invoice.Status.PAID
    ledger_balances()


def test_paused_autopay_creates_and_makes_no_charges_and_resume_plans_them_again(commit, django_user_model):
    customer = customer_with_invoices(10, 20)
    mandate = enrol(customer, commit)
    collector = customer.portfolio.collector
    services.mandate_pause(mandate=mandate, reason="customer disputes the quantity", by=collector)

    assert set(AutopayCharge.objects.values_list("status", flat=True)) == {AutopayCharge.Status.SKIPPED}
    assert not invoices_autopay_covered().exists()
    customer_with_invoices(15, portfolio=customer.portfolio)  # another customer's invoice: not this mandate's
    with commit():
        tasks.autopay_run.delay(_on(10).isoformat())
        tasks.autopay_run.delay(_on(20).isoformat())
    assert PaymentRequest.objects.count() == 0
    assert AutopayCharge.objects.filter(mandate=mandate).exclude(status=AutopayCharge.Status.SKIPPED).count() == 0

    services.mandate_resume(mandate=mandate, by=collector)
    live = AutopayCharge.objects.filter(mandate=mandate, status=AutopayCharge.Status.SCHEDULED)
    assert sorted(c.charge_date for c in live) == [_on(10), _on(20)]  # the same keys, planned again
    assert AutopayCharge.objects.filter(mandate=mandate).count() == 2


def test_an_invoice_paid_or_disputed_before_its_day_is_skipped(commit):
    customer = customer_with_invoices(10, 11)
    enrol(customer, commit)
    paid, disputed = customer.invoices.order_by("due_date")
    from ledger.services import payment_receive
    payment_receive(customer=customer, external_id="WIRE-1", received_date=timezone.localdate(),
                    amount=paid.amount, currency="EUR", applications=[(paid, paid.amount)])
    dispute_open(customer=customer, invoices=[disputed], amount="10.00", root_cause="pricing")
    with commit():
        tasks.autopay_run.delay(_on(11).isoformat())
    skipped = dict(AutopayCharge.objects.values_list("invoice_id", "skip_reason"))
    assert skipped == {paid.pk: "the invoice was paid meanwhile", disputed.pk: "the invoice is disputed"}
    assert PaymentRequest.objects.count() == 0


def test_a_charge_never_takes_more_than_was_announced_nor_more_than_is_open(commit, ledger_balances):
    customer = customer_with_invoices(10)
    enrol(customer, commit)
    invoice = customer.invoices.get()
    from ledger.services import payment_receive
    payment_receive(customer=customer, external_id="WIRE-2", received_date=timezone.localdate(),
                    amount="1200.00", currency="EUR", applications=[(invoice, "1200.00")])
    with commit():
        tasks.autopay_run.delay(_on(10).isoformat())
    charge = AutopayCharge.objects.get()
    assert charge.status == AutopayCharge.Status.SUCCEEDED and charge.amount == Decimal("3000.00")
    assert charge.request.amount == Decimal("3000.00")
    ledger_balances()


def test_a_new_method_replaces_the_mandate_and_takes_over_its_charges(commit):
    customer = customer_with_invoices(10)
    first = enrol(customer, commit)
    second = enrol(customer, commit, number="4242424242424242")
    first.refresh_from_db()
    assert first.status == Mandate.Status.CANCELLED and first.cancel_reason == "replaced by a new payment method"
    assert second.status == Mandate.Status.ACTIVE and second.method_id != first.method_id
    charge = AutopayCharge.objects.get()
    assert charge.mandate == second and charge.status == AutopayCharge.Status.SCHEDULED


def test_a_setup_never_finished_is_given_up(commit, settings):
    customer = customer_with_invoices(10)
    with commit():
        mandate, _ = services.mandate_enrol(customer=customer, kind="card", charge_on=None, authorization="ok",
                                            accepted_from=None, return_url=lambda m: "http://testserver/r/",
                                            cancel_url="http://testserver/c/")
    assert services.setups_expire() == 0
    later = timezone.now() + timedelta(hours=settings.AUTOPAY_SETUP_HOURS + 1)
    assert services.setups_expire(now=later) == 1
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.CANCELLED and AutopayCharge.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_collect_once(django_capture_on_commit_callbacks):
    """PostgreSQL: while one worker holds the charge's row, the other skips it (skip_locked)."""
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serializes writers")
    customer = customer_with_invoices(10)
    enrol(customer, lambda: django_capture_on_commit_callbacks(execute=True))
    charge = AutopayCharge.objects.get()
    locked, release, seen = threading.Event(), threading.Event(), {}

    def first_worker():
        with transaction.atomic():
            AutopayCharge.objects.select_for_update().get(pk=charge.pk)
            locked.set()
            release.wait(10)
        connection.close()

    worker = threading.Thread(target=first_worker)
    worker.start()
    locked.wait(10)
    try:
        seen["second"] = services._claim(charge.pk, _on(10))
    finally:
        release.set()
        worker.join()
    assert seen["second"] is None
    assert AutopayCharge.objects.get().status == AutopayCharge.Status.SCHEDULED


def test_a_provider_that_could_not_be_reached_is_asked_again_later(commit, settings, ledger_balances):
    from payments.providers.base import ProviderError
    from payments.providers.sandbox import SandboxProvider

    customer = customer_with_invoices(10)
    enrol(customer, commit)
    real = SandboxProvider.charge_off_session
    with mock.patch.object(SandboxProvider, "charge_off_session", side_effect=ProviderError("timed out")):
        with commit():
            tasks.autopay_run.delay(_on(10).isoformat())
    charge = AutopayCharge.objects.get()
    assert charge.status == AutopayCharge.Status.CHARGING and charge.request.status == PaymentRequest.Status.OPEN
    assert list(invoices_autopay_covered()) == [charge.invoice]  # still autopay's, not dunning's

    later = timezone.now() + timedelta(minutes=settings.AUTOPAY_CHARGING_RETRY_MINUTES + 1)
    with mock.patch.object(SandboxProvider, "charge_off_session", autospec=True, side_effect=real) as asked:
        with commit():
            assert services.charges_stuck_retry(now=later) == 1
    assert asked.call_count == 1
    charge.refresh_from_db()
    assert charge.status == AutopayCharge.Status.SUCCEEDED and PaymentRequest.objects.count() == 1
    ledger_balances()
