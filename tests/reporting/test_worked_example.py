"""Every number of the METRICS.md worked example, as of 2026-09-30."""

from datetime import date
from decimal import Decimal

import pytest

from reporting import metrics
from tests.reporting.factories import worked_example

D = date(2026, 9, 30)
pytestmark = pytest.mark.django_db


def two(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


@pytest.fixture
def book(ledger_balances):
    example = worked_example()
    ledger_balances()
    return example


def test_aging_of_worked_example(book):
    report = metrics.aging(as_of=D)
    assert report.total == Decimal("4000.00")
    assert report.buckets == {
        "current": Decimal("2500.00"), "1-30": Decimal("1500.00"), "31-60": 0, "61-90": 0, "91+": 0,
    }
    assert two(report.pct_current) == Decimal("62.50")
    assert two(report.pct_past_due) == Decimal("37.50")
    assert metrics.ar_at(D) == Decimal("4000.00")


def test_credit_sales_and_dso_family(book):
    assert metrics.credit_sales(date(2026, 7, 3), D) == Decimal("7000.00")
    figures = metrics.dso(D)
    assert two(figures.dso) == Decimal("51.43")
    assert two(figures.bpdso) == Decimal("32.14")
    assert two(figures.add) == Decimal("19.29")
    assert two(figures.pct_current) == Decimal("62.50")


def test_countback_dso(book):
    countback = metrics.dso_countback(D)
    assert two(countback.days) == Decimal("43.29")
    assert [p["sales"] for p in countback.periods] == [Decimal("2500.00"), Decimal("3500.00")]


def test_cei_for_september(book):
    figures = metrics.cei(date(2026, 9, 1), D)
    assert figures.beginning_ar == Decimal("3500.00")
    assert figures.credit_sales == Decimal("2500.00")
    assert figures.ending_ar == Decimal("4000.00")
    assert figures.ending_current == Decimal("2500.00")
    assert two(figures.cei) == Decimal("57.14")


def test_weighted_average_days_late(book):
    behaviour = metrics.payment_behaviour(D)
    assert behaviour.days_late(book["C1"].pk) == 11
    assert behaviour.days_late(book["C2"].pk) == 6


def test_forecast_to_month_end(book):
    report = metrics.forecast(as_of=D, horizon_end=date(2026, 10, 31))
    assert report.forecast == Decimal("3500.00")
    assert report.at_risk == 0
    predicted = dict(zip(report.invoices["invoice"], report.invoices["predicted"], strict=True))
    assert predicted[book["I2"].external_id] == date(2026, 10, 8)
    assert predicted[book["I4"].external_id] == date(2026, 10, 8)
    assert predicted[book["I5"].external_id] == date(2026, 10, 26)
    assert predicted[book["I6"].external_id] == date(2026, 11, 30)
    assert report.beyond == Decimal("500.00")


def test_dso_family_shares_one_computation_with_the_same_figures(book):
    family = metrics.dso_family(D)
    assert family["figures"] == metrics.dso(D)
    assert family["countback"].days == metrics.dso_countback(D).days
    assert family["cei"].cei == metrics.cei(date(2026, 9, 1), D).cei
