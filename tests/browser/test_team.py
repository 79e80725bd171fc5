"""A manager opens the team dashboard, sees the collectors, opens a one-on-one and saves notes in place."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from team.models import OneOnOne
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, collector, manager

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "/tmp/cw-team")


def shot(page, name: str) -> None:
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def test_manager_runs_a_one_on_one_from_the_team_dashboard(page, login):
    today = timezone.localdate()
    for username, first in (("alice", "Alice"), ("bob", "Bob")):
        person = collector(username, first_name=first, last_name="Collector")
        book = PortfolioFactory(name=f"{first}'s book", collector=person)
        for k in range(3):
            due = today - timedelta(days=20 + 15 * k)
            InvoiceFactory(customer=CustomerFactory(name=f"{first} account {k}", portfolio=book),
                           issue_date=due - timedelta(days=30), due_date=due, amount=Decimal("900.00"),
                           open_amount=Decimal("900.00"))
    manager("maria", first_name="Maria", last_name="Manager")

    login("maria")
    page.goto("/team/")
    page.wait_for_selector("#collectors")
    assert page.locator("#collectors tbody tr").count() == 2
    assert "Alice Collector" in page.inner_text("#collectors")
    assert "Bob Collector" in page.inner_text("#collectors")
    assert "2,700.00" in page.inner_text("#collectors")  # each collector's past due
    page.wait_for_function("window.Chart && Chart.getChart('chart-buckets')")  # drawn by static/js/team-chart.js
    table, card = page.evaluate("() => { const t = document.querySelector('#collectors');"
                                " return [t.scrollWidth, t.closest('.card').clientWidth]; }")
    assert table <= card, (table, card)  # every column shows (Target and Gap were scrolled out of sight)
    shot(page, "team.png")

    page.click("#collectors tbody tr:first-child >> text=One-on-one")
    page.wait_for_selector("#notes")
    assert "One-on-one: Alice Collector" in page.inner_text("h1")
    page.fill("#id_notes", "Alice is on top of her book.")
    page.fill("#id_action_items", "Call Alice account 2 together on Thursday")
    url_before = page.url
    page.click("#notes button[type=submit]")
    page.wait_for_selector("#notes .message.success")
    assert page.url == url_before  # saved in place (HTMX)
    shot(page, "one-on-one.png")

    record = OneOnOne.objects.get()
    assert (record.collector.username, record.notes) == ("alice", "Alice is on top of her book.")
    page.reload()
    assert page.input_value("#id_notes") == "Alice is on top of her book."
    assert "Call Alice account 2 together" in page.inner_text("table")
