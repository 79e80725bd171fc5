"""Root causes: disputes and late payments by root cause, by customer and by month."""

import io
from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse

from reporting.root_causes import months_back, root_causes
from tests.factories import CustomerFactory, PortfolioFactory, finance, manager
from tests.reporting.factories import d, dispute, issue, pay

pytestmark = pytest.mark.django_db


def book():
    portfolio = PortfolioFactory()
    acme = CustomerFactory(name="Acme", portfolio=portfolio)
    bolt = CustomerFactory(name="Bolt", portfolio=PortfolioFactory())
    a1 = issue(acme, "2026-07-01", "1000.00", due="2026-07-31")
    a2 = issue(acme, "2026-08-01", "500.00", due="2026-08-31")
    b1 = issue(bolt, "2026-08-10", "300.00", due="2026-09-09")
    b2 = issue(bolt, "2026-08-15", "200.00", due="2026-09-14")
    dispute(acme, [a1], "pricing", opened_on="2026-08-05", resolved_on="2026-08-25")  # 20 days
    dispute(acme, [a2], "pricing", opened_on="2026-09-02")
    dispute(bolt, [b1], "damaged", opened_on="2026-09-12", resolved_on="2026-09-16")  # 4 days
    pay(acme, "2026-08-30", "1000.00", (a1, "1000.00"))  # 30 days late, disputed on pricing
    pay(bolt, "2026-09-19", "200.00", (b2, "200.00"))  # 5 days late, no dispute
    pay(bolt, "2026-09-05", "300.00", (b1, "300.00"))  # early: not late
    return portfolio


def test_disputes_and_late_payments_by_root_cause_and_month(ledger_balances):
    book()

    report = root_causes(start=d("2026-01-01"), end=d("2026-09-30"))

    by_cause = {r["root_cause"]: r for r in report.by_cause}
    assert (by_cause["pricing"]["disputes"], by_cause["pricing"]["disputed_amount"]) == (2, Decimal("1500.00"))
    assert by_cause["pricing"]["cycle_mean"] == Decimal("20")
    assert (by_cause["pricing"]["late_invoices"], by_cause["pricing"]["late_amount"]) == (1, Decimal("1000.00"))
    assert by_cause["pricing"]["avg_days_late"] == Decimal("30")
    assert (by_cause["damaged"]["disputes"], by_cause["damaged"]["late_invoices"]) == (1, 0)
    assert (by_cause["undisputed"]["late_invoices"], by_cause["undisputed"]["avg_days_late"]) == (1, Decimal("5"))
    assert {(r["month"], r["root_cause"], r["count"]) for r in report.disputes_by_month} == {
        ("2026-08", "pricing", 1), ("2026-09", "pricing", 1), ("2026-09", "damaged", 1)}
    assert {(r["month"], r["root_cause"]) for r in report.late_by_month} == {
        ("2026-08", "pricing"), ("2026-09", "undisputed")}
    assert [(r["customer"], r["disputes"], r["late_invoices"]) for r in report.by_customer] == [
        ("Acme", 2, 1), ("Bolt", 1, 1)]
    assert report.chart()["Pricing"][report.months.index("2026-08")] == 1
    ledger_balances()


def test_twelve_month_window():
    assert months_back(d("2026-09-30"), 12) == d("2025-10-01")
    assert months_back(d("2026-01-15"), 1) == d("2026-01-01")


def test_page_with_chart_and_exports(client, django_assert_max_num_queries):
    book()
    client.force_login(manager())

    with django_assert_max_num_queries(12):
        response = client.get(reverse("root_causes"), {"as_of": "2026-09-30"})

    assert response.status_code == 200
    assert b"rc-chart" in response.content and b"Acme" in response.content
    for table in ("by_cause", "by_month", "customers"):
        csv = client.get(reverse("root_causes"), {"as_of": "2026-09-30", "export": table, "format": "csv"})
        xlsx = client.get(reverse("root_causes"), {"as_of": "2026-09-30", "export": table, "format": "xlsx"})
        assert csv.status_code == xlsx.status_code == 200
        sheet = pd.read_excel(io.BytesIO(xlsx.content))
        sheet = sheet[sheet.iloc[:, 0] != "Total"]  # the XLSX ends with a totals row where amounts add up
        assert len(pd.read_csv(io.BytesIO(csv.content))) == len(sheet)
    frame = pd.read_csv(io.BytesIO(client.get(
        reverse("root_causes"), {"as_of": "2026-09-30", "export": "by_cause", "format": "csv"}).content))
    assert frame.loc[frame["root_cause"] == "Pricing", "disputed_amount"].item() == 1500.0


def test_collector_sees_only_their_portfolio(client):
    portfolio = book()
    client.force_login(portfolio.collector)

    response = client.get(reverse("root_causes"), {"as_of": "2026-09-30"})

    assert [r["customer"] for r in response.context["report"].by_customer] == ["Acme"]


def test_finance_reads_root_causes(client):
    client.force_login(finance())

    assert client.get(reverse("root_causes")).status_code == 200
