"""Root causes: disputes and late payments by root cause, by customer and by month."""

import io
from datetime import timedelta
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger.fx import rates_on
from ledger.models import FxRate, Invoice
from reporting.root_causes import late_totals, months_back, root_causes
from tests.factories import CustomerFactory, PortfolioFactory, finance, manager
from tests.reporting.factories import d, dispute, issue, pay, rate
from work.models import Dispute

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


def _ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def _late_book(customers: int, portfolio=None):
    """`customers` accounts, each with a late USD invoice and a late EUR one (two rates); every
    second USD invoice disputed twice (the earlier dispute, damaged, is its cause); two accounts tied."""
    if not FxRate.objects.filter(currency="EUR").exists():
        rate("EUR", _ago(400), "1.10000000")
        rate("EUR", _ago(85), "1.23456789")
    for n in range(customers):
        customer = CustomerFactory(name=f"Account {customers - n:03d}", portfolio=portfolio or PortfolioFactory())
        amount = f"{100 + (n if n > 1 else 0)}.25"  # the first two tied: the ranking falls back on the name
        usd = issue(customer, _ago(90), amount, due=_ago(60))
        eur = issue(customer, _ago(80 + n % 20), "50.10", due=_ago(50), currency="EUR")
        if n % 2:
            dispute(customer, [usd], "pricing", opened_on=_ago(55))
            dispute(customer, [usd], "damaged", opened_on=_ago(58))
        pay(customer, _ago(40 - n % 7), amount, (usd, amount))
        pay(customer, _ago(30), "50.10", (eur, "50.10"), currency="EUR")


def _one_by_one(start, end):
    """The late payments invoice by invoice, as the report defines them: closed late in the window,
    the root cause of the first dispute, the amount at its issue day's rate."""
    rows = []
    for invoice in Invoice.objects.filter(status=Invoice.Status.PAID, closed_on__range=(start, end)):
        if invoice.closed_on <= invoice.due_date:
            continue
        first = invoice.disputes.order_by("opened_on", "pk").first()
        day = (invoice.currency, invoice.issue_date)
        base = invoice.amount * rates_on([day])[day]
        rows.append((invoice.customer_id, invoice.customer.name, first.root_cause if first else "undisputed", base,
                     (invoice.closed_on - invoice.due_date).days))
    return rows


def test_listed_customers_and_late_figures_equal_the_invoices_one_by_one():
    _late_book(30)
    end = timezone.localdate()
    start = months_back(end, 12)

    report = root_causes(start=start, end=end, top=5)

    rows = _one_by_one(start, end)
    totals, names = {}, {}
    for customer_id, name, _, base, _ in rows:
        totals[customer_id] = totals.get(customer_id, Decimal(0)) + base
        names[customer_id] = name
    for dispute_row in Dispute.objects.filter(opened_on__range=(start, end)):  # all in USD here
        totals[dispute_row.customer_id] += dispute_row.amount
    expected = sorted(totals, key=lambda c: (-totals[c], names[c]))[:5]
    assert [r["customer_id"] for r in report.by_customer] == expected
    for entry in report.by_customer:
        mine = [r for r in rows if r[0] == entry["customer_id"]]
        amount = sum((r[3] for r in mine), Decimal(0))
        assert (entry["late_invoices"], entry["late_amount"]) == (len(mine), amount)
        assert entry["avg_days_late"] == sum((r[3] * r[4] for r in mine), Decimal(0)) / amount
    by_cause = {r["root_cause"]: r for r in report.by_cause}
    for cause in ("undisputed", "damaged"):
        mine = [r for r in rows if r[2] == cause]
        assert (by_cause[cause]["late_invoices"], by_cause[cause]["late_amount"]) == (
            len(mine), sum((r[3] for r in mine), Decimal(0)))
    assert by_cause["pricing"]["late_invoices"] == 0  # the second dispute of each invoice: not its cause
    assert sum(r["count"] for r in report.late_by_month) == len(rows) == 60


def test_late_totals_rank_every_customer_by_the_base_of_their_late_invoices():
    _late_book(6)
    end = timezone.localdate()
    start = months_back(end, 12)
    expected = {}
    for customer_id, _, _, base, _ in _one_by_one(start, end):
        expected[customer_id] = expected.get(customer_id, Decimal(0)) + base
    assert late_totals(start, end) == expected


def test_page_reads_the_same_queries_for_ten_or_forty_accounts(client, django_assert_max_num_queries):
    client.force_login(manager())
    _late_book(10)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("root_causes")).status_code == 200
    _late_book(30)
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        response = client.get(reverse("root_causes"))
    assert response.status_code == 200 and len(response.context["report"].by_customer) == 20
    assert len(many) <= len(few) <= 14  # no query per account: the same reads (a names read fewer)
