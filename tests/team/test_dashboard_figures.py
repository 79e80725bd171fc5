"""Team dashboard figures people can quote: the team's projected gap, targets shown as soon as they
are saved, labels instead of codes, dispute amounts in the base currency, exports with names."""

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from ledger.models import FxRate
from team.models import MonthlyTarget
from team.services import monthly_target_set
from tests.factories import CustomerFactory, manager
from tests.portfolios.factories import team_book
from tests.reporting.factories import dispute, issue, pay

pytestmark = pytest.mark.django_db
AS_OF = "2026-10-30"
OCTOBER = date(2026, 10, 1)


def dashboard(client, user, **params):
    client.force_login(user)
    return client.get(reverse("team"), {"as_of": AS_OF, **params})


def test_team_projected_gap_counts_only_the_collectors_that_have_a_target(client):
    people = team_book(collectors=2, accounts=5)  # each collected 500.00 on account this month
    monthly_target_set(month=OCTOBER, amount=Decimal("5000.00"), by=manager(), collector=people[0])

    response = dashboard(client, manager())

    d = response.context["dashboard"]
    first, second = d.rows
    total = d.targets_total
    assert second.target.collected == Decimal("500.00")
    assert total.target == Decimal("5000.00") and total.without_target == 1
    assert total.projected_gap == first.target.projected_gap == (
        Decimal("5000.00") - first.target.collected - first.target.forecast)
    assert total.gap == first.target.gap
    assert total.collected == first.target.collected + second.target.collected  # the KPI: the team's cash
    assert b"1 without one left out" in response.content


def test_a_saved_target_shows_at_once_on_a_dashboard_kept_for_minutes(client, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.REPORT_CACHE_SECONDS = 600
    people = team_book(collectors=1, accounts=1, prefix="kept")
    boss = manager()
    assert dashboard(client, boss).context["dashboard"].targets_total.target is None
    # a change that bypasses the services is not seen: the figures are kept...
    MonthlyTarget.objects.create(collector=people[0], month=OCTOBER, amount=Decimal("1.00"), set_by=boss)
    assert dashboard(client, boss).context["dashboard"].targets_total.target is None
    MonthlyTarget.objects.all().delete()
    # ...but saving a target through the page makes them obsolete at once
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(reverse("team_targets"), {"collector": people[0].pk, "month": "2026-10",
                                                      "amount": "1234.00"})
    assert saved.status_code == 302
    assert dashboard(client, boss).context["dashboard"].targets_total.target == Decimal("1234.00")


def test_money_moved_makes_kept_dashboard_figures_obsolete(client, settings, django_capture_on_commit_callbacks):
    settings.REPORT_CACHE_SECONDS = 600
    people = team_book(collectors=1, accounts=1, prefix="moved")
    boss = manager()
    before = dashboard(client, boss).context["dashboard"].rows[0].target.collected
    customer = people[0].portfolios.get().customers.first()
    with django_capture_on_commit_callbacks(execute=True):
        pay(customer, "2026-10-28", "300.00")
    assert dashboard(client, boss).context["dashboard"].rows[0].target.collected == before + Decimal("300.00")


def test_root_causes_show_their_labels_not_their_codes(client):
    people = team_book(collectors=1, accounts=2, prefix="rc")
    customer = people[0].portfolios.get().customers.first()
    for cause in ("po", "not_received"):
        invoice = issue(customer, "2026-09-01", "100.00")
        dispute(customer, [invoice], cause, opened_on="2026-10-01", resolved_on="2026-10-11")

    response = dashboard(client, manager())

    body = response.content.decode()
    assert "Missing / wrong PO" in body and "Invoice not received" in body
    assert "not_received" not in body and ">po<" not in body
    cycle = response.context["dashboard"].cycle
    assert set(cycle["by_root_cause"]) == {"Missing / wrong PO", "Invoice not received"}


def test_dispute_amounts_are_in_base_currency_on_the_dashboard_and_its_export(client, settings):
    settings.BASE_CURRENCY = "USD"
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 1, 1), rate=Decimal("1.10"))
    people = team_book(collectors=1, accounts=1, prefix="fx")
    euro = CustomerFactory(portfolio=people[0].portfolios.get(), currency="EUR", name="Euro GmbH")
    invoice = issue(euro, "2026-09-01", "1000.00", currency="EUR")
    dispute(euro, [invoice], "pricing", opened_on="2026-10-01")

    response = dashboard(client, manager())

    row = next(x for x in response.context["dashboard"].disputes if x["customer__name"] == "Euro GmbH")
    assert (row["amount"], row["currency"], row["amount_base"]) == (Decimal("1000.00"), "EUR", Decimal("1100.00"))
    assert "1,100.00" in response.content.decode() and "Amount (USD)" in response.content.decode()
    sheet = openpyxl.load_workbook(io.BytesIO(dashboard(client, manager(), export="disputes",
                                                        format="xlsx").content)).active
    header = [c.value for c in sheet[1]]
    euro_row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == "Euro GmbH")
    assert euro_row[header.index("amount (base)")] == 1100 and euro_row[header.index("currency")] == "EUR"
    assert euro_row[header.index("collector")] == "Col0 Lector"  # a name, not a username


def test_collectors_table_keeps_target_and_gap_in_the_first_columns(client):
    team_book(collectors=1, accounts=1, prefix="cols")
    body = dashboard(client, manager()).content.decode()
    table = body[body.index('id="collectors"'):body.index("</thead>", body.index('id="collectors"'))]
    headers = re.findall(r"<th(?: [^>]*)?>([^<]*)", table)
    assert headers[:7] == ["Collector", "AR", "Past due", "Collected", "Target", "Gap", "Projected gap"]
    assert len(headers) == 13
    assert "<script>" not in body  # the charts are drawn by static/js/team-chart.js (a CSP without inline scripts)
    assert "js/team-chart.js" in body
