"""Aging by account family rolls up to the top of families of any depth, or to a chosen level; a bad
level is refused beside the filters (400) and by the API. Figures worked out by hand from the book
in tests/ledger/test_hierarchy.py (as of 2026-11-30):

    by top     Globex Group 2,100.00 = current 500.00 (G 100 + Bergen 400), 1–30 200.00 (North),
               31–60 300.00 (Oslo), 61–90 600.00 (Madrid), 91+ 500.00 (South); Lone Co 50.00 current
    level 1    Globex Group 100.00 current (its own invoice only); Globex North 900.00 (current 400,
               1–30 200, 31–60 300); Globex South 1,100.00 (61–90 600, 91+ 500); Lone Co 50.00
"""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from reporting import metrics
from tests.factories import PortfolioFactory, collector, manager
from tests.ledger.test_hierarchy import AS_OF, globex_book

pytestmark = pytest.mark.django_db
D = Decimal


def rows(report) -> dict[str, tuple]:
    return {line.label: (line.total, *line.buckets.values(), line.invoices) for line in report.rows}


def test_aging_by_family_groups_by_the_top_of_each_family():
    globex_book()
    report = metrics.aging(as_of=AS_OF, group_by="family")
    assert rows(report) == {
        "Globex Group": (D("2100.00"), D("500.00"), D("200.00"), D("300.00"), D("600.00"), D("500.00"), 6),
        "Lone Co": (D("50.00"), D("50.00"), D("0"), D("0"), D("0"), D("0"), 1),
    }
    assert report.total == D("2150.00")


def test_aging_rolls_up_at_a_chosen_level():
    book = globex_book()
    report = metrics.aging(as_of=AS_OF, group_by="family", level=1)
    assert rows(report) == {
        "Globex South": (D("1100.00"), D("0"), D("0"), D("0"), D("600.00"), D("500.00"), 2),
        "Globex North": (D("900.00"), D("400.00"), D("200.00"), D("300.00"), D("0"), D("0"), 3),
        "Globex Group": (D("100.00"), D("100.00"), D("0"), D("0"), D("0"), D("0"), 1),
        "Lone Co": (D("50.00"), D("50.00"), D("0"), D("0"), D("0"), D("0"), 1),
    }
    assert [line.key for line in report.rows][:2] == [book["R2"].pk, book["R1"].pk]
    at_two = metrics.aging(as_of=AS_OF, group_by="family", level=2)
    assert len(at_two.rows) == 7 and at_two.total == D("2150.00")
    assert rows(metrics.aging(as_of=AS_OF, group_by="family", level=0)) == rows(
        metrics.aging(as_of=AS_OF, group_by="family"))


def test_the_drill_down_of_a_region_lists_its_sites(client):
    book = globex_book()
    client.force_login(manager())
    response = client.get(reverse("reports_aging_invoices"), {"as_of": AS_OF.isoformat(), "group_by": "family",
                                                              "level": "1", "key": book["R1"].pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert all(f"INV-{code}" in page for code in ("R1", "S1", "S2"))
    assert not any(f"INV-{code}" in page for code in ("G", "R2", "S3", "L"))
    assert "account family Globex North" in page
    response = client.get(reverse("reports_aging"), {"as_of": AS_OF.isoformat(), "group_by": "family",
                                                     "level": "1"})
    assert response.status_code == 200 and "Globex North" in response.content.decode()


def test_a_collector_drills_into_a_family_whose_site_is_theirs_but_not_into_another():
    book = globex_book()
    mine = PortfolioFactory(collector=collector("fam-collector"))
    book["S3"].portfolio = mine
    book["S3"].save(update_fields=["portfolio"])
    browser = Client()
    browser.force_login(mine.collector)
    url = reverse("reports_aging_invoices")
    assert browser.get(url, {"as_of": AS_OF.isoformat(), "group_by": "family", "level": "1",
                             "key": book["R2"].pk}).status_code == 200
    assert browser.get(url, {"as_of": AS_OF.isoformat(), "group_by": "family", "level": "1",
                             "key": book["R1"].pk}).status_code == 404


@pytest.mark.parametrize("level, message", [
    ("-1", "The family level is 0 (the top) to 64."),
    ("99", "The family level is 0 (the top) to 64."),
    ("top", "The family level is a whole number (0 = the top)."),
])
def test_a_bad_level_is_refused_with_a_message(client, level, message):
    globex_book()
    client.force_login(manager())
    response = client.get(reverse("reports_aging"), {"as_of": AS_OF.isoformat(), "group_by": "family",
                                                     "level": level})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode() and message in response.content.decode()
    api = client.get(reverse("api_reports_aging"), {"as_of": AS_OF.isoformat(), "group_by": "family",
                                                    "level": level})
    assert api.status_code == 400 and api.json() == {"level": [message]}


def test_the_api_rolls_up_at_a_level(client):
    globex_book()
    client.force_login(manager())
    response = client.get(reverse("api_reports_aging"), {"as_of": AS_OF.isoformat(), "group_by": "family",
                                                         "level": "1"})
    assert response.status_code == 200
    totals = {row["label"]: row["total"] for row in response.json()["rows"]}
    assert totals == {"Globex South": "1100.00", "Globex North": "900.00", "Globex Group": "100.00",
                      "Lone Co": "50.00"}
