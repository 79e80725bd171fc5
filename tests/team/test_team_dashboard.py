"""The team dashboard: per-collector figures, who sees which rows, exports, query counts."""

import io
from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse

from tests.factories import finance, manager
from tests.portfolios.factories import team_book

pytestmark = pytest.mark.django_db
AS_OF = "2026-10-30"


def dashboard(client, user, **params):
    client.force_login(user)
    return client.get(reverse("team"), {"as_of": AS_OF, **params})


def test_manager_sees_every_collector_with_their_figures(client):
    people = team_book(collectors=2, accounts=6)

    response = dashboard(client, manager())

    assert response.status_code == 200
    rows = response.context["dashboard"].rows
    assert [r.collector for r in rows] == people
    row = rows[0]
    # Past due: 100..600, 20..45 days past due; current: 6 × 250.
    assert row.past_due == Decimal("2100.00")
    assert row.ar == Decimal("3600.00")
    # More than 30 days past due: accounts 3 (35 days, disputed: it has a plan), 4 (40) and 5 (45).
    assert (row.no_plan_invoices, row.no_plan_accounts, row.no_plan_amount) == (2, 2, Decimal("1100.00"))
    assert row.promises.kept == 1 and row.promises.broken == 1
    assert row.open_disputes == 1
    assert row.touches.total == 3
    assert row.coverage.past_due_accounts == 6 and row.coverage.worked == 3
    assert row.target.collected == Decimal("500.00")
    assert len(row.accounts) == 6
    assert row.accounts[0]["customer"] == "Acct 0-05"  # largest past due first
    assert "Dispute: Pricing" in next(a["headline"] for a in row.accounts if a["customer"] == "Acct 0-03")
    assert "Call — Left voicemail" in next(a["headline"] for a in row.accounts if a["customer"] == "Acct 0-00")
    assert b"Col0 Lector" in response.content and b"Col1 Lector" in response.content


def test_a_collector_sees_only_their_own_row(client):
    people = team_book(collectors=2, accounts=2)

    response = dashboard(client, people[1])

    assert [r.collector for r in response.context["dashboard"].rows] == [people[1]]
    assert b"Acct 0-00" not in response.content


def test_finance_reads_the_dashboard(client):
    team_book(collectors=1, accounts=1)

    assert dashboard(client, finance()).status_code == 200


def test_dashboard_queries_are_bounded_whatever_the_team_size(client, django_assert_max_num_queries):
    team_book(collectors=4, accounts=12)
    boss = manager()
    client.force_login(boss)

    with django_assert_max_num_queries(30):
        response = client.get(reverse("team"), {"as_of": AS_OF})

    assert len(response.context["dashboard"].rows) == 4
    assert sum(len(r.accounts) for r in response.context["dashboard"].rows) == 48


def test_dashboard_fragment_for_htmx(client):
    team_book(collectors=1, accounts=1)
    client.force_login(manager())

    response = client.get(reverse("team"), {"as_of": AS_OF, "days": 7}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div id="dashboard">')


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_collector_table_downloads_with_the_page_figures(client, fmt):
    team_book(collectors=2, accounts=3)

    response = dashboard(client, manager(), export="collectors", format=fmt)

    assert response.status_code == 200
    body = io.BytesIO(response.content)
    frame = pd.read_csv(body) if fmt == "csv" else pd.read_excel(body).iloc[:-1]  # XLSX: then its totals row
    assert list(frame["collector"]) == ["Col0 Lector", "Col1 Lector"]  # people's names, not usernames
    assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in frame["past_due"]] == [Decimal("600.00")] * 2


def test_every_dashboard_table_downloads(client):
    team_book(collectors=1, accounts=4)
    boss = manager()
    for table in ("collectors", "accounts", "disputes", "cycle"):
        response = dashboard(client, boss, export=table, format="csv")
        assert response.status_code == 200, table
        assert response["Content-Disposition"].endswith(f'-{table}.csv"')
    assert dashboard(client, boss, export="nope", format="csv").status_code == 404


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("team"))

    assert response.status_code == 302


def test_top_past_due_rolls_up_to_account_families(client):
    from tests.factories import CustomerFactory
    from tests.reporting.factories import issue

    people = team_book(collectors=1, accounts=2)
    portfolio = people[0].portfolios.get()
    head = CustomerFactory(portfolio=portfolio, name="Family Head")
    branch = CustomerFactory(portfolio=portfolio, name="Family Branch", parent=head)
    issue(head, "2026-09-01", "700.00", due="2026-10-01")
    issue(branch, "2026-09-01", "900.00", due="2026-10-10")

    response = dashboard(client, manager(), top="families")

    top = response.context["dashboard"].rows[0].accounts[0]
    assert (top["customer"], top["past_due"], top["accounts"]) == ("Family Head", Decimal("1600.00"), 2)
    assert b"(2 accounts)" in response.content


def test_dashboard_query_count_does_not_grow_with_the_team(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    boss = manager()
    client.force_login(boss)
    team_book(collectors=1, accounts=4, prefix="a")  # one of every kind of row
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("team"), {"as_of": AS_OF})
    team_book(collectors=4, accounts=10, prefix="b")
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("team"), {"as_of": AS_OF})

    assert len(large) == len(small)


def test_the_dashboard_lists_the_oldest_open_disputes_and_says_where_the_rest_are(client, monkeypatch):
    """A large book has a thousand open disputes: the dashboard shows the oldest few (the download
    and the manager's disputes page have every one) instead of rendering every row."""
    from team import views
    from tests.factories import CustomerFactory, PortfolioFactory
    from tests.reporting.factories import dispute, issue

    monkeypatch.setattr(views, "DISPUTES_SHOWN", 3)
    portfolio = PortfolioFactory()
    for n, opened in enumerate(["2026-06-01", "2026-09-01", "2026-07-01", "2026-10-01", "2026-05-01"]):
        customer = CustomerFactory(portfolio=portfolio, name=f"Disputing {n}")
        dispute(customer, [issue(customer, "2026-04-01", "100.00")], "pricing", opened_on=opened)

    html = dashboard(client, manager()).content.decode()
    table = html.split("<h2>Open disputes")[1].split("</table>")[0]  # the names are in the top accounts too
    shown = [name for name in (f"Disputing {n}" for n in range(5)) if f">{name}</a>" in table]
    assert shown == ["Disputing 0", "Disputing 2", "Disputing 4"]  # opened in May, June, July
    assert "Open disputes (5)" in html and "The 3 oldest" in html and reverse("disputes") in html
    assert "the disputes page" not in dashboard(client, finance()).content.decode()  # not theirs to open
