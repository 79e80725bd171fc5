"""A manager asks to write off more than the approval threshold from the account's corrections page
(a refused amount shows its error in place), and a second manager approves it there (HTMX)."""

from decimal import Decimal

import pytest

from tests.factories import CustomerFactory, InvoiceFactory, manager
from work.corrections.models import LedgerCorrection

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_write_off_above_the_threshold_is_asked_then_approved_by_a_second_manager(page, login, settings):
    settings.LEDGER_APPROVAL_THRESHOLD = Decimal("1000.00")
    manager("asker")
    manager("approver")
    customer = CustomerFactory(name="Northwind Traders")
    invoice = InvoiceFactory(customer=customer, amount=Decimal("5000.00"))

    login("asker")
    page.goto(f"/accounts/{customer.pk}/corrections/")
    page.evaluate("window.__stillHere = true")
    page.select_option("#write_off_invoice", str(invoice.pk))
    page.fill("#write_off_amount", "99999999999")
    page.fill("#write_off_reason", "Customer insolvent")
    page.click("#write-off button[type=submit]")
    page.wait_for_selector("#write-off .errorlist")
    assert "is more than the 5,000.00 USD open" in page.locator("#write-off").inner_text()
    page.fill("#write_off_amount", "2000.00")
    page.click("#write-off button[type=submit]")
    page.wait_for_selector("#pending .correction")
    assert "You asked for it" in page.locator("#pending").inner_text()
    assert page.evaluate("window.__stillHere") is True  # swapped in place, no reload

    page.context.clear_cookies()
    login("approver")
    page.goto(f"/accounts/{customer.pk}/corrections/")
    correction = LedgerCorrection.objects.get()
    page.fill(f"#decide_{correction.pk}_reason", "Insolvency confirmed")
    page.click(f"#correction-{correction.pk} button.primary")
    page.wait_for_selector("text=Approved and done")
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("3000.00")
    assert "Insolvency confirmed" in page.locator("#history").inner_text()
