"""A collector opens the duplicates worklist from the queue, is told beside the form that a dismissal
needs a reason, then confirms the duplicate in place (HTMX): its dunning pauses."""

import pytest

from reminders.eligibility import invoices_blocked_from_dunning
from tests.factories import CustomerFactory, PortfolioFactory, collector
from tests.work.discrepancy_book import duplicate_pair
from work.discrepancies.models import Discrepancy

pytestmark = pytest.mark.django_db(transaction=True)


def test_collector_confirms_a_duplicate_from_the_worklist(page, login):
    alice = collector("alice")
    flag = duplicate_pair(CustomerFactory(name="Acme Corp", portfolio=PortfolioFactory(collector=alice)))

    login("alice")
    page.goto("/queue/")
    page.click("text=Duplicates and discrepancies")
    row = page.locator(f"#discrepancy-{flag.pk}")
    assert "INV-1001 and INV-1001A" in row.inner_text()
    page.evaluate("window.__stillHere = true")
    row.locator("button:has-text('Dismiss')").click()
    page.wait_for_selector(f"#discrepancy-{flag.pk} >> text=Say why this is not a problem")
    page.fill(f"#note-{flag.pk}", "same delivery invoiced twice")
    page.locator(f"#discrepancy-{flag.pk} button:has-text('Confirm')").click()
    page.wait_for_selector(f"#discrepancy-{flag.pk} >> text=Duplicate: ask the ERP to cancel INV-1001A")

    assert page.evaluate("window.__stillHere") is True
    assert Discrepancy.objects.get(pk=flag.pk).status == Discrepancy.Status.CONFIRMED
    assert invoices_blocked_from_dunning().filter(pk=flag.invoice_id).exists()
