"""Aging and AR edge cases: bucket boundaries, partial payments, credits, unapplied cash, families,
past as-of dates, FX conversion and collector scope."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.services import application_reverse, invoice_write_off
from reporting import metrics
from tests.factories import CustomerFactory, PortfolioFactory
from tests.reporting.factories import credit, issue, pay, rate

D = date(2026, 9, 30)
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("days_past_due", "bucket"),
    [(-5, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"),
     (90, "61-90"), (91, "91+"), (400, "91+")],
)
def test_bucket_boundaries(days_past_due, bucket):
    customer = CustomerFactory()
    due = D - timedelta(days=days_past_due)
    issue(customer, (due - timedelta(days=30)).isoformat(), "100.00", due=due.isoformat())
    report = metrics.aging(as_of=D)
    assert report.buckets[bucket] == Decimal("100.00")
    assert report.total == Decimal("100.00")
    assert report.pct[bucket] == 100


def test_partial_payment_leaves_the_rest_in_its_bucket(ledger_balances):
    customer = CustomerFactory()
    invoice = issue(customer, "2026-07-01", "1000.00", due="2026-07-31")
    pay(customer, "2026-09-01", "400.00", (invoice, "400.00"))
    ledger_balances()
    report = metrics.aging(as_of=D)
    assert report.buckets["61-90"] == Decimal("600.00")
    assert report.total == Decimal("600.00")


def test_credit_note_reduces_ar_and_credit_sales(ledger_balances):
    customer = CustomerFactory()
    invoice = issue(customer, "2026-09-01", "1000.00", due="2026-10-01")
    credit(customer, "2026-09-10", "250.00", invoice=invoice)
    credit(customer, "2026-09-12", "100.00")  # an unused credit: beside AR, not netted
    ledger_balances()
    report = metrics.aging(as_of=D)
    assert report.total == Decimal("750.00")
    assert report.unapplied_credits == Decimal("100.00")
    assert metrics.credit_sales(date(2026, 9, 1), D) == Decimal("650.00")


def test_unapplied_cash_is_shown_beside_ar_not_netted(ledger_balances):
    customer = CustomerFactory()
    invoice = issue(customer, "2026-09-01", "1000.00", due="2026-10-01")
    pay(customer, "2026-09-20", "1300.00", (invoice, "200.00"))
    ledger_balances()
    report = metrics.aging(as_of=D)
    assert report.total == Decimal("800.00")
    assert report.unapplied_cash == Decimal("1100.00")
    # before the cash arrived there was none on account
    assert metrics.aging(as_of=date(2026, 9, 19)).unapplied_cash == 0


def test_past_as_of_ignores_later_payments_write_offs_and_invoices(ledger_balances):
    customer = CustomerFactory()
    first = issue(customer, "2026-06-01", "1000.00", due="2026-07-01")
    second = issue(customer, "2026-06-15", "500.00", due="2026-07-15")
    issue(customer, "2026-08-10", "700.00", due="2026-09-09")
    pay(customer, "2026-08-05", "1000.00", (first, "1000.00"))
    invoice_write_off(invoice=second, amount=Decimal("500.00"), reason="bankrupt", on=date(2026, 8, 20))
    ledger_balances()
    assert metrics.aging(as_of=date(2026, 7, 31)).buckets == {
        "current": 0, "1-30": Decimal("1500.00"), "31-60": 0, "61-90": 0, "91+": 0,
    }
    assert metrics.ar_at(date(2026, 8, 10)) == Decimal("1200.00")
    assert metrics.ar_at(D) == Decimal("700.00")
    assert metrics.ar_at(date(2026, 5, 31)) == 0


def test_reversed_application_reopens_the_invoice_from_its_date(ledger_balances):
    customer = CustomerFactory()
    invoice = issue(customer, "2026-08-01", "900.00", due="2026-08-31")
    payment = pay(customer, "2026-09-05", "900.00", (invoice, "900.00"))
    application_reverse(application=payment.applications.get(), on=date(2026, 9, 20))
    ledger_balances()
    assert metrics.ar_at(date(2026, 9, 10)) == 0
    assert metrics.ar_at(D) == Decimal("900.00")


def test_account_family_rolls_up_children():
    head = CustomerFactory(name="Acme Group")
    child = CustomerFactory(name="Acme East", parent=head)
    other = CustomerFactory(name="Solo Ltd")
    issue(head, "2026-09-01", "100.00", due="2026-10-01")
    issue(child, "2026-08-01", "200.00", due="2026-08-31")
    issue(other, "2026-09-01", "50.00", due="2026-10-01")
    report = metrics.aging(as_of=D, group_by="family")
    rows = {row.label: row for row in report.rows}
    assert set(rows) == {"Acme Group", "Solo Ltd"}
    assert rows["Acme Group"].total == Decimal("300.00")
    assert rows["Acme Group"].buckets["1-30"] == Decimal("200.00")
    assert rows["Acme Group"].buckets["current"] == Decimal("100.00")
    customers = {row.label for row in metrics.aging(as_of=D, group_by="customer").rows}
    assert customers == {"Acme Group", "Acme East", "Solo Ltd"}


def test_foreign_invoices_convert_at_the_invoice_dates_rate():
    customer = CustomerFactory(currency="EUR")
    rate("EUR", "2026-08-01", "1.10000000")
    rate("EUR", "2026-09-01", "1.20000000")
    issue(customer, "2026-08-15", "100.00", due="2026-09-14", currency="EUR")  # at 1.10
    issue(customer, "2026-09-01", "100.00", due="2026-10-01", currency="EUR")  # at 1.20
    issue(CustomerFactory(), "2026-09-01", "10.00", due="2026-10-01")
    report = metrics.aging(as_of=D)
    assert report.buckets["1-30"] == Decimal("110.00")
    assert report.buckets["current"] == Decimal("130.00")
    assert metrics.aging(as_of=D, currency="EUR").total == Decimal("230.00")
    assert metrics.credit_sales(date(2026, 8, 1), D) == Decimal("240.00")


def test_missing_fx_rate_is_an_explicit_error():
    issue(CustomerFactory(currency="JPY"), "2026-09-01", "100.00", currency="JPY")
    with pytest.raises(metrics.MissingFxRate):
        metrics.aging(as_of=D)


def test_collector_scope_and_grouping():
    alice, bob = PortfolioFactory(), PortfolioFactory()
    issue(CustomerFactory(portfolio=alice), "2026-09-01", "100.00")
    issue(CustomerFactory(portfolio=bob), "2026-08-01", "40.00")
    issue(CustomerFactory(segment="enterprise"), "2026-09-01", "7.00")
    assert metrics.aging(as_of=D, collector=alice.collector).total == Decimal("100.00")
    assert metrics.aging(as_of=D, collector=bob.collector.username).total == Decimal("40.00")
    assert metrics.aging(as_of=D, segment="enterprise").total == Decimal("7.00")
    rows = {row.label: row.total for row in metrics.aging(as_of=D, group_by="collector").rows}
    assert rows == {alice.collector.username: Decimal("100.00"), bob.collector.username: Decimal("40.00"),
                    "(unassigned)": Decimal("7.00")}


def test_drilldown_lists_the_invoices_of_a_cell():
    portfolio = PortfolioFactory()
    customer = CustomerFactory(portfolio=portfolio)
    late = issue(customer, "2026-08-01", "200.00", due="2026-08-31")
    issue(customer, "2026-09-01", "100.00", due="2026-10-01")
    frame = metrics.aging_invoices(as_of=D, bucket="1-30", group_by="customer", key=customer.pk)
    assert list(frame["invoice"]) == [late.external_id]
    assert list(frame["open_base"]) == [Decimal("200.00")]
