"""A manager reviews today's dunning dry run, edits a template with a live preview and reads a sent
message in the outbox (Playwright + Chromium)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reminders.dunning import dunning_run
from reminders.models import DunningPolicy, OutboundMessage
from reminders.outbox import message_send
from tests.factories import PortfolioFactory, collector, manager
from tests.reminders.factories import account, invoice, policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reviews_dunning_edits_a_template_and_reads_the_outbox(page, login):
    DunningPolicy.objects.all().delete()
    policy(name="Standard", is_default=True)
    manager("boss")
    portfolio = PortfolioFactory(collector=collector("alice", first_name="Alice", last_name="Archer"))
    today = timezone.localdate()
    sent = account(portfolio=portfolio, name="Northwind Traders")
    invoice(sent, due=today - timedelta(days=4), external_id="INV-4711")
    tomorrow = account(portfolio=portfolio, name="Contoso Ltd")
    invoice(tomorrow, due=today + timedelta(days=6), external_id="INV-5000")  # heads-up falls due tomorrow
    dunning_run(as_of=today)
    message_send(message_id=OutboundMessage.objects.get().pk)

    login("boss")
    page.goto("/reminders/dunning/")
    dry_run = page.locator("table").first.inner_text()  # what "Run today's pass now" would send: today's
    assert "Contoso Ltd" not in dry_run and "Nobody would get a reminder today." in dry_run

    page.goto("/reminders/policies/")
    page.get_by_role("link", name="Reminder").first.click()
    page.wait_for_load_state("networkidle")  # the first preview loads by itself; let it land first
    page.fill("#id_subject", "Gentle nudge for {{ customer_name }}")
    page.select_option("#preview-customer", label="Northwind Traders")
    preview = page.locator("#template-preview")
    preview.get_by_text("Gentle nudge for Northwind Traders").wait_for()
    assert "INV-4711" in preview.inner_text() and "Alice Archer" in preview.inner_text()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")

    page.goto("/reminders/outbox/")
    page.get_by_role("link", name="Reminder for Northwind Traders").click()  # sent before the edit
    body = page.locator("pre.rem-body").inner_text()
    assert "INV-4711" in body and "Alice Archer" in body
    assert page.get_by_text("Sent", exact=True).first.is_visible()
