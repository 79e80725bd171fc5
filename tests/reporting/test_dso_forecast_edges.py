"""DSO count-back, CEI, behaviour and forecast edge cases beyond the worked example."""

from datetime import date
from decimal import Decimal

import pytest

from reporting import metrics
from tests.factories import CustomerFactory, PortfolioFactory
from tests.reporting.factories import dispute, issue, pay, promise, worked_example

D = date(2026, 9, 30)
pytestmark = pytest.mark.django_db


def test_countback_over_24_months_when_sales_never_cover_ar():
    customer = CustomerFactory()
    issue(customer, "2023-01-01", "1000.00", due="2023-01-31")
    countback = metrics.dso_countback(D)
    assert countback.days is None
    assert countback.over_24_months


def test_countback_with_no_ar_is_zero_days():
    assert metrics.dso_countback(D).days == 0


def test_dso_without_sales_is_none():
    figures = metrics.dso(D)
    assert figures.dso is None and figures.bpdso is None and figures.add is None


def test_quarterly_cei_uses_a_third_of_the_quarters_sales(ledger_balances):
    example = worked_example()
    ledger_balances()
    q3 = metrics.cei(date(2026, 7, 1), D)
    assert q3.months == 3
    assert q3.beginning_ar == 0
    assert q3.credit_sales == Decimal("7000.00")
    # (0 + 7000/3 − 4000) ÷ (0 + 7000/3 − 2500) × 100
    expected = (Decimal(7000) / 3 - 4000) / (Decimal(7000) / 3 - 2500) * 100
    assert q3.cei == expected
    assert example["C1"].pk


def test_history_reproduces_the_point_figures_at_month_end(ledger_balances):
    worked_example()
    history = metrics.dso_history(as_of=D, months=3)
    september = history["monthly"][-1]
    assert september["as_of"] == D
    assert september["dso"] == metrics.dso(D).dso
    assert september["dso_countback"] == metrics.dso_countback(D).days
    assert september["cei"] == metrics.cei(date(2026, 9, 1), D).cei
    assert [q["quarter"] for q in history["quarterly"]] == ["2026-Q3"]
    assert history["quarterly"][0]["cei"] == metrics.cei(date(2026, 7, 1), D).cei


def test_book_behaviour_is_used_for_customers_without_history():
    worked_example()
    newcomer = CustomerFactory()
    behaviour = metrics.payment_behaviour(D)
    # book: (1000 × 11 + 1500 × 6) ÷ 2500 = 8
    assert behaviour.book_days_late == 8
    assert behaviour.days_late(newcomer.pk) == 8
    assert metrics.payment_behaviour(date(2026, 8, 1)).book_days_late == 0


def test_offset_rounds_halves_away_from_zero_once():
    assert metrics.round_days(Decimal("2.5")) == 3
    assert metrics.round_days(Decimal("-2.5")) == -3
    assert metrics.round_days(Decimal("2.49")) == 2
    customer = CustomerFactory()
    # days late 1.5 (weights 1 × 1 and 1 × 2) and a dispute cycle of 1.5 days: 3 in total, not 2 + 2
    a = issue(customer, "2026-06-01", "100.00", due="2026-07-01")
    b = issue(customer, "2026-06-01", "100.00", due="2026-07-01")
    pay(customer, "2026-07-02", "100.00", (a, "100.00"))
    pay(customer, "2026-07-03", "100.00", (b, "100.00"))
    dispute(customer, [a], "tax", opened_on="2026-06-01", resolved_on="2026-06-02")
    dispute(customer, [b], "tax", opened_on="2026-06-01", resolved_on="2026-06-03")
    open_invoice = issue(customer, "2026-09-15", "300.00", due="2026-10-10")
    dispute(customer, [open_invoice], "tax", opened_on="2026-09-20")
    report = metrics.forecast(as_of=D, horizon_end=date(2026, 10, 31))
    predicted = dict(zip(report.invoices["invoice"], report.invoices["predicted"], strict=True))
    assert predicted[open_invoice.external_id] == date(2026, 10, 13)


def test_dispute_cycle_by_root_cause_then_overall():
    customer = CustomerFactory()
    old = issue(customer, "2026-03-01", "100.00")
    dispute(customer, [old], "pricing", opened_on="2026-03-10", resolved_on="2026-04-19")  # 40 days
    cycle = metrics.dispute_cycle(D)
    assert cycle.days("pricing") == 40
    assert cycle.days("tax") == 40  # no tax dispute resolved: the overall average
    assert metrics.dispute_cycle(date(2026, 3, 31)).days("pricing") == 30  # none resolved yet


def test_passed_promise_date_puts_the_invoice_at_risk():
    portfolio = PortfolioFactory()
    customer = CustomerFactory(portfolio=portfolio)
    invoice = issue(customer, "2026-08-01", "640.00", due="2026-08-31")
    promise(customer, "2026-09-20", "640.00", [invoice], made_on="2026-09-10")
    report = metrics.forecast(as_of=D, horizon_end=date(2026, 10, 31))
    assert report.forecast == 0
    assert report.at_risk == Decimal("640.00")
    assert report.at_risk_invoices[0]["basis"] == "promise"
    assert report.by_collector == [{"collector": portfolio.collector.username, "forecast": 0, "invoices": 0,
                                    "at_risk": Decimal("640.00")}]


def test_forecast_weeks_add_up_and_collected_counts_unapplied_cash(ledger_balances):
    example = worked_example()
    report = metrics.forecast(as_of=D, horizon_end=date(2026, 10, 31))
    assert sum(week["amount"] for week in report.weeks) == report.forecast
    assert report.weeks[0]["start"] == date(2026, 10, 1)
    assert report.weeks[-1]["end"] == date(2026, 10, 31)
    pay(example["C2"], "2026-09-28", "75.00")  # on account, applied to nothing
    ledger_balances()
    assert metrics.collected(date(2026, 9, 1), D) == Decimal("2075.00")
    assert metrics.collected(date(2026, 8, 1), date(2026, 8, 31)) == Decimal("1000.00")


def test_forecast_vs_actual_compares_each_past_month():
    worked_example()
    rows = metrics.forecast_vs_actual(as_of=date(2026, 10, 15), months=2)
    assert [row["month"] for row in rows] == ["2026-08", "2026-09"]
    assert rows[1]["actual"] == Decimal("2000.00")
    assert rows[1]["forecast"] == metrics.forecast(as_of=date(2026, 8, 31), horizon_end=D).forecast
    assert metrics.forecast_vs_actual(as_of=D, months=1)[0]["month"] == "2026-09"  # D closes September
