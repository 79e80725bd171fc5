"""The forecast uses the installment dates for invoices in a payment plan live at D."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger.services import payment_receive
from reporting.forecast import forecast
from tests.factories import CustomerFactory, past_due_invoice
from work.plans.services import plan_cancel, plan_create

pytestmark = pytest.mark.django_db
D = Decimal


def planned_book():
    today = timezone.localdate()
    customer = CustomerFactory()
    older = past_due_invoice(customer, "600.00", days=60)
    newer = past_due_invoice(customer, "400.00", days=30)
    dates = [today + timedelta(days=n) for n in (10, 40, 70)]
    plan = plan_create(invoices=[older, newer], installments=list(zip(
        dates, [D("333.33"), D("333.33"), D("333.34")], strict=True)))
    return today, customer, older, newer, plan, dates


def basis(report, invoice):
    frame = report.invoices.set_index("invoice_id")
    return frame.loc[invoice.pk, "predicted"], frame.loc[invoice.pk, "basis"]


def test_each_invoice_is_predicted_on_the_installment_that_completes_it():
    today, customer, older, newer, plan, dates = planned_book()

    report = forecast(as_of=today, horizon_end=today + timedelta(days=45))

    # 600.00 is covered by the second installment (cumulative 666.66), the last 400.00 by the third.
    assert basis(report, older) == (dates[1], "payment plan")
    assert basis(report, newer) == (dates[2], "payment plan")
    assert report.forecast == D("600.00") and report.beyond == D("400.00") and report.at_risk == 0


def test_cash_already_received_moves_the_invoices_forward():
    today, customer, older, newer, plan, dates = planned_book()
    payment_receive(customer=customer, external_id="P1", received_date=today, amount="500.00", currency="USD",
                    applications=[(older, D("500.00"))])

    report = forecast(as_of=today, horizon_end=today + timedelta(days=45))

    # Received 500.00; the 100.00 left on the older invoice ends at 600.00 → second installment.
    assert basis(report, older) == (dates[1], "payment plan")
    assert basis(report, newer) == (dates[2], "payment plan")


def test_before_the_plan_or_after_it_ended_the_usual_prediction_applies():
    today, customer, older, newer, plan, dates = planned_book()

    before = forecast(as_of=today - timedelta(days=1))
    assert basis(before, older)[1] == "payment history"

    plan_cancel(plan=plan, reason="Customer refused the plan")
    after = forecast(as_of=today)
    assert basis(after, older)[1] == "payment history" and after.at_risk == D("1000.00")
