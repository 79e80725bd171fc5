"""A manager puts an account on credit hold from its workspace, finds it on the holds page and
releases it; then moves a paper customer to email from the e-delivery worklist, in place (HTMX)."""

from decimal import Decimal

import pytest

from ledger.models import Contact, Customer
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, manager
from work.holds.models import CreditHoldEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_holds_and_releases_an_account_and_fixes_e_delivery(page, login):
    manager("boss", first_name="Bea", last_name="Boss")
    northwind = CustomerFactory(name="Northwind Traders", portfolio=PortfolioFactory())
    InvoiceFactory(customer=northwind, amount=Decimal("1200.00"), open_amount=Decimal("1200.00"))
    paper = CustomerFactory(name="Paper Mill", e_delivery=False, portfolio=PortfolioFactory())
    ContactFactory(customer=paper, role=Contact.Role.AP_CLERK, email="ap@paper.example")

    login("boss")
    page.goto(f"/accounts/{northwind.pk}/")
    page.click("text=Credit hold…")
    page.fill("#hold-form input[name=reason]", "Three cheques bounced")
    page.click("#hold-form button[type=submit]")
    page.wait_for_selector("#release-form")  # the hold panel swaps in place
    page.goto(f"/accounts/{northwind.pk}/")
    assert "Credit hold: Three cheques bounced" in page.locator(".account-head").inner_text()

    page.goto("/accounts/holds/")
    assert "Northwind Traders" in page.locator("#holds").inner_text()
    assert page.locator("#holds-total").inner_text() == "1,200.00"
    page.click("#holds >> text=Northwind Traders")
    page.fill("#release-form input[name=reason]", "Paid by wire")
    page.click("#release-form button[type=submit]")
    page.wait_for_selector("#hold-form")
    assert list(CreditHoldEvent.objects.values_list("action", flat=True)) == ["hold", "release"]

    page.goto("/team/e-delivery/")
    page.evaluate("window.__stillHere = true")
    row = page.locator(f"#account-{paper.pk}")
    row.locator("select[name=e_delivery]").select_option("on")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(f"#account-{paper.pk} >> text=is covered now")
    assert page.evaluate("window.__stillHere") is True
    assert Customer.objects.get(pk=paper.pk).e_delivery is True
