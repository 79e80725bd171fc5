"""Autopay's emails: the announcement before the charge, once, and the failure notice, once."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from autopay import tasks
from autopay.models import AutopayCharge
from reminders import autopay_notices
from reminders.models import OutboundMessage
from tests.autopay.conftest import CARD_NO_FUNDS, customer_with_invoices, enrol
from work.models import QueueTask

pytestmark = pytest.mark.django_db


def _on(days: int):
    return timezone.localdate() + timedelta(days=days)


def test_the_announcement_goes_out_once_notice_days_before_with_the_amount_and_the_day(commit):
    customer = customer_with_invoices(10, 10, amount="2100.00")
    mandate = enrol(customer, commit)

    assert autopay_notices.autopay_notices(on=_on(6)) == {"announced": 0, "failures_told": 0}  # too early
    with commit():
        assert autopay_notices.autopay_notices(on=_on(7))["announced"] == 1
        assert autopay_notices.autopay_notices(on=_on(7))["announced"] == 0
        assert autopay_notices.autopay_notices(on=_on(8))["announced"] == 0

    message = OutboundMessage.objects.get(kind=autopay_notices.KIND)
    assert message.key == f"autopay-notice:{mandate.pk}:{_on(10).isoformat()}"
    assert message.to_email == "ap@buyer.example"
    assert message.subject == f"Autopay: we will collect 4,200.00 EUR on {date_format(_on(10))}"
    assert f"On {date_format(_on(10))} we will collect 4,200.00 EUR from Visa •••• 4242" in message.body
    assert message.invoices.count() == 2
    assert "/autopay/setup/" in message.body
    assert set(AutopayCharge.objects.values_list("status", flat=True)) == {AutopayCharge.Status.ANNOUNCED}


def test_an_invoice_planned_after_the_days_announcement_gets_another_day(commit):
    customer = customer_with_invoices(3)
    mandate = enrol(customer, commit)
    autopay_notices.autopay_notices()  # the charge in 3 days is announced today
    from ledger.services import invoice_issue
    invoice_issue(customer=customer, external_id="LATE-1", issue_date=_on(-27), due_date=_on(3), amount="10.00",
                  currency="EUR")
    from autopay import services
    services.charges_plan(mandate_ids=[mandate.pk])
    assert AutopayCharge.objects.get(invoice__external_id="LATE-1").charge_date == _on(4)


def test_a_paused_mandate_is_not_announced(commit):
    customer = customer_with_invoices(10)
    mandate = enrol(customer, commit)
    from autopay import services
    services.mandate_pause(mandate=mandate, reason="call first", by=customer.portfolio.collector)
    assert autopay_notices.autopay_notices(on=_on(8))["announced"] == 0
    assert not OutboundMessage.objects.exists()


def test_without_an_email_address_the_collector_is_told_the_charge_goes_unannounced(commit):
    customer = customer_with_invoices(10)
    mandate = enrol(customer, commit)
    customer.contacts.update(active=False)
    assert autopay_notices.autopay_notices(on=_on(8))["announced"] == 0
    autopay_notices.autopay_notices(on=_on(8))
    task = QueueTask.objects.get()
    assert task.key == f"autopay-notice:{mandate.pk}:{_on(10).isoformat()}:no-contact"
    assert AutopayCharge.objects.get().status == AutopayCharge.Status.SCHEDULED


def test_a_failed_charge_is_told_once_with_how_to_pay(commit):
    customer = customer_with_invoices(10)
    enrol(customer, commit, number=CARD_NO_FUNDS)
    with commit():
        tasks.autopay_run.delay(_on(10).isoformat())
    charge = AutopayCharge.objects.get()
    with commit():
        assert autopay_notices.autopay_notices(on=_on(10))["failures_told"] == 1
        assert autopay_notices.autopay_notices(on=_on(10))["failures_told"] == 0

    message = OutboundMessage.objects.get(key=f"autopay-failed:{charge.key}")
    assert message.subject == f"Autopay could not collect 4,200.00 EUR ({charge.invoice.external_id})"
    assert "insufficient funds" in message.body
    assert "/portal/" in message.body and "/pay/" in message.body  # the Pay link for the invoice
    assert "reminders for it resume" in message.body
    assert OutboundMessage.objects.filter(kind="receipt").count() == 0


def test_the_notices_task_is_registered_for_the_worker():
    from collections_app.celery import app
    from collections_app.schedules import SCHEDULES

    app.loader.import_default_modules()
    mine = [s.task for s in SCHEDULES if s.task.startswith(("autopay.", "reminders.autopay_notices"))]
    assert len(mine) == 2
    assert all(name in app.tasks for name in mine), mine
