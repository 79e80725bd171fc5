"""Report pages: access by role, collector scope, drill-down, HTMX partials, exports and query counts."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from reporting import metrics
from tests.factories import CustomerFactory, PortfolioFactory, UserFactory, collector, finance, manager
from tests.reporting.factories import dispute, issue, pay, promise

D = date(2026, 9, 30)
pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    """Three portfolios of eight customers (two in a family each), invoices in every bucket, some paid."""
    portfolios = [PortfolioFactory(collector=collector(f"coll{n}")) for n in range(3)]
    customers, later = {}, []
    for p, portfolio in enumerate(portfolios):
        head = CustomerFactory(portfolio=portfolio, name=f"Head {p}", segment="enterprise")
        rows = [head] + [CustomerFactory(portfolio=portfolio, parent=head if n < 2 else None, name=f"Cust {p}-{n}")
                         for n in range(7)]
        customers[portfolio.collector.username] = rows
        for n, customer in enumerate(rows):
            for k, days in enumerate((-10, 15, 45, 75, 120)):
                due = D - timedelta(days=days + n)
                invoice = issue(customer, (due - timedelta(days=30)).isoformat(), f"{100 + 10 * k + n}.00",
                                due=due.isoformat())
                if k == 1 and n % 2:
                    pay(customer, (due + timedelta(days=3)).isoformat(), "50.00", (invoice, "50.00"))
                if k == 2 and n == 3:
                    later.append((promise, customer, (D + timedelta(days=5)).isoformat(), "10.00", [invoice]))
                if k == 3 and n == 4:
                    later.append((dispute, customer, [invoice], "pricing"))
    for action, *args in later:  # promises and disputes once all the cash is in
        if action is promise:
            action(*args, made_on="2026-09-01")
        else:
            action(*args, opened_on="2026-09-01")
    return portfolios, customers


def login(client, user):
    client.force_login(user)
    return client


def test_aging_page_for_a_manager_with_bounded_queries(client, book, django_assert_max_num_queries):
    login(client, manager())
    for group_by in ("collector", "customer", "family"):
        with django_assert_max_num_queries(16):
            response = client.get(reverse("reports_aging"), {"as_of": D.isoformat(), "group_by": group_by})
        assert response.status_code == 200
    total = metrics.aging(as_of=D).total
    assert f"{total:,.2f}" in response.content.decode()
    assert b"Head 0" in response.content  # family rows carry the head's name


def test_a_collector_sees_only_their_portfolio(client, book):
    portfolios, _ = book
    mine, other = portfolios[0].collector, portfolios[1].collector
    login(client, mine)
    response = client.get(reverse("reports_aging"), {"as_of": D.isoformat(), "collector": other.username})
    assert response.status_code == 200
    own = metrics.aging(as_of=D, collector=mine).total
    assert response.context["report"].total == own
    assert own < metrics.aging(as_of=D).total
    assert "collector" not in response.context["form"].fields


def test_drilldown_refuses_another_portfolios_account(client, book):
    portfolios, customers = book
    login(client, portfolios[0].collector)
    theirs = customers[portfolios[1].collector.username][3]
    url = reverse("reports_aging_invoices")
    response = client.get(url, {"as_of": D.isoformat(), "group_by": "customer", "key": theirs.pk})
    assert response.status_code == 404
    mine = customers[portfolios[0].collector.username][3]
    response = client.get(url, {"as_of": D.isoformat(), "group_by": "customer", "key": mine.pk, "bucket": "91+"},
                          HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="drilldown"')
    assert "<html" not in body
    assert len(response.context["invoices"]) == 1


def test_roles_without_access_get_403(client, book):
    login(client, UserFactory(roles=[]))
    assert client.get(reverse("reports_aging")).status_code == 403
    login(client, collector("plain-collector"))
    assert client.get(reverse("forecast")).status_code == 403
    assert client.get(reverse("reports_dso")).status_code == 200


def test_dso_kpi_and_index_pages_render_with_bounded_queries(client, book, django_assert_max_num_queries):
    login(client, finance())
    for name, limit in (("reports", 14), ("reports_dso", 18), ("reports_kpis", 14)):
        with django_assert_max_num_queries(limit):
            response = client.get(reverse(name), {"as_of": D.isoformat()})
        assert response.status_code == 200, name
    response = client.get(reverse("reports_dso"), {"as_of": D.isoformat()})
    assert response.context["figures"].dso == metrics.dso(D).dso
    sixty = client.get(reverse("reports_dso"), {"as_of": D.isoformat(), "window_days": "60"})
    assert sixty.context["figures"].dso == metrics.dso(D, window_days=60).dso != metrics.dso(D).dso
    assert sixty.context["history"]["monthly"][-1]["window_days"] == 60
    assert b"How it is computed" in response.content or b"\xc3\xb7 credit sales" in response.content


def test_forecast_page_for_finance(client, book, django_assert_max_num_queries):
    login(client, finance())
    # +6: each of the six forecasts (this month's and forecast-vs-actual's) reads the payment plans live then;
    # +2: the open invoices' customers are read apart from the invoices, and the payment behaviour asks
    # which closed months are stored (reporting.paid_months).
    with django_assert_max_num_queries(40):
        response = client.get(reverse("forecast"), {"as_of": D.isoformat(), "horizon_end": "2026-10-31"})
    assert response.status_code == 200
    expected = metrics.forecast(as_of=D, horizon_end=date(2026, 10, 31))
    assert response.context["report"].forecast == expected.forecast
    assert f"{expected.forecast:,.2f}" in response.content.decode()
    htmx = client.get(reverse("forecast"), {"as_of": D.isoformat()}, HTTP_HX_REQUEST="true")
    assert htmx.content.decode().lstrip().startswith('<section id="report"')


def test_csv_and_xlsx_exports_carry_the_page_figures(client, book):
    login(client, manager())
    params = {"as_of": D.isoformat(), "group_by": "collector", "table": "aging"}
    response = client.get(reverse("reports_aging"), {**params, "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    expected = metrics.aging(as_of=D, group_by="collector")
    assert sum(Decimal(row["total"]) for row in rows) == expected.total.quantize(Decimal("0.01"))
    response = client.get(reverse("reports_aging"), {**params, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    *lines, totals_row = sheet.iter_rows(min_row=2, values_only=True)  # the XLSX ends with its totals row
    totals = [row[header.index("total")] for row in lines]
    assert totals_row[0] == "Total" and abs(totals_row[header.index("total")] - sum(totals)) < 0.005
    assert Decimal(str(sum(totals))).quantize(Decimal("0.01")) == expected.total.quantize(Decimal("0.01"))
    assert client.get(reverse("reports_aging"), {**params, "export": "pdf"}).status_code == 404
    assert client.get(reverse("reports_aging"), {**params, "export": "csv", "table": "nope"}).status_code == 404


@pytest.mark.parametrize(("name", "table"), [
    ("reports_aging", "trend"), ("reports_dso", "monthly"), ("reports_dso", "quarterly"), ("forecast", "weeks"),
    ("forecast", "collectors"), ("forecast", "at_risk"), ("forecast", "versus"), ("reports_kpis", "history"),
])
def test_every_table_downloads(client, book, name, table):
    login(client, manager())
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse(name), {"as_of": D.isoformat(), "export": fmt, "table": table})
        assert response.status_code == 200
        assert f".{fmt}" in response["Content-Disposition"]
