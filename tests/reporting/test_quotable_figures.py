"""Report figures people can quote: periods without enough history are flagged and left out of the
averages, and the aging drill-down names its group."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from reporting import charts, metrics, selectors
from tests.factories import CustomerFactory, PortfolioFactory, collector, manager
from tests.reporting.factories import issue, worked_example

pytestmark = pytest.mark.django_db


def test_periods_whose_window_starts_before_the_first_invoice_are_flagged_and_left_out_of_averages():
    worked_example()  # the first invoice is dated 2026-07-10
    history = metrics.dso_history(as_of=date(2026, 11, 30), months=5)
    flags = {m["as_of"]: m["enough_history"] for m in history["monthly"]}
    assert flags == {date(2026, 7, 31): False, date(2026, 8, 31): False, date(2026, 9, 30): False,
                     date(2026, 10, 31): True, date(2026, 11, 30): True}  # Oct 31's 90 days start on Aug 2
    assert [(q["quarter"], q["enough_history"]) for q in history["quarterly"]] == [("2026-Q3", False)]
    full = [m for m in history["monthly"] if m["enough_history"]]
    averages = history["averages"]
    assert averages["months"] == 2 and averages["quarters"] == 0 and averages["quarterly_cei"] is None
    assert averages["dso"] == sum(m["dso"] for m in full) / 2
    # the chart leaves them out too, and the downloads say which they are
    assert charts.dso_chart(history)["series"][0]["values"][:3] == [None, None, None]
    assert list(selectors.history_table(history)["enough history"])[2:] == [
        "no: window starts before the first invoice", "yes", "yes"]
    assert list(selectors.quarterly_table(history)["enough history"]) == [
        "no: the quarter starts before the first invoice"]


def test_dso_page_marks_the_months_without_enough_history(client):
    worked_example()
    client.force_login(manager())
    body = client.get(reverse("reports_dso"), {"as_of": "2026-09-30"}).content.decode()
    assert "not enough history" in body and "with enough history" in body


def test_drill_down_heading_names_the_group_not_the_first_invoices_customer(client):
    farid = collector("farid", first_name="Farid", last_name="Haddad")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=farid), name="Greenleaf Outfitters")
    issue(customer, "2026-09-01", "100.00")
    client.force_login(manager())
    url = reverse("reports_aging_invoices")
    response = client.get(url, {"as_of": "2026-09-30", "group_by": "collector", "key": "farid"})
    heading = response.content.decode().split("<h2>", 2)[-1].split("</h2>", 1)[0]
    assert "collector Farid Haddad" in heading and "Greenleaf" not in heading
    response = client.get(url, {"as_of": "2026-09-30", "group_by": "customer", "key": str(customer.pk)})
    assert "customer Greenleaf Outfitters" in response.content.decode()
    assert response.context["total"] == Decimal("100.00")
