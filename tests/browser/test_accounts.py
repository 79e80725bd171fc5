"""A collector signs in, searches the accounts list in place (HTMX) and opens an account workspace."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, collector

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "/tmp/cw-ui")


def owe(customer, amount: str, *, days_past_due: int, **kwargs):
    due = timezone.localdate() - timedelta(days=days_past_due)
    return InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due,
                          amount=Decimal(amount), open_amount=Decimal(amount), **kwargs)


def shot(page, name: str) -> None:
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def test_collector_searches_accounts_and_opens_a_workspace(page, login):
    alice = collector("alice", first_name="Alice", last_name="Archer")
    book = PortfolioFactory(name="West", collector=alice)
    northwind = CustomerFactory(name="Northwind Traders", external_id="C-1001", portfolio=book, segment="enterprise")
    owe(northwind, "1200.00", days_past_due=45, po_number="PO-4411")
    owe(northwind, "800.00", days_past_due=10)
    owe(northwind, "500.00", days_past_due=-12)
    ContactFactory(customer=northwind, name="Pat Payables")
    contoso = CustomerFactory(name="Contoso Ltd", external_id="C-1002", portfolio=book)
    owe(contoso, "300.00", days_past_due=5)
    CustomerFactory(name="Someone Else's Account", portfolio=PortfolioFactory())

    page.goto("/login/")
    shot(page, "login.png")
    login("alice")
    page.goto("/accounts/")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 2
    assert page.locator("text=Someone Else's Account").count() == 0
    shot(page, "accounts-list.png")

    # Searching swaps the results in place: the page (and this marker) stays, the URL follows.
    page.evaluate("window.__stillHere = true")
    page.fill("input[name=q]", "northwind")
    page.wait_for_url("**/accounts/?*q=northwind*")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 1")
    assert page.evaluate("window.__stillHere") is True
    assert "Northwind Traders" in rows.first.inner_text()

    page.click("#results >> text=Northwind Traders")
    page.wait_for_url(f"**/accounts/{northwind.pk}/")
    assert page.locator("h1").inner_text().startswith("Northwind Traders")
    assert page.locator(".aging-strip span").count() == 3  # current, 1–30 and 31–60 hold money
    open_invoices = page.locator("#open-invoices tbody tr")
    assert open_invoices.count() == 3
    assert "PO-4411" in page.locator("#open-invoices").inner_text()
    assert "2,500.00" in page.locator(".kpis").inner_text()
    assert "Pat Payables" in page.locator("#contacts").inner_text()
    shot(page, "account-workspace.png")


def test_collector_works_an_account_in_place_from_its_workspace(page, login):
    alice = collector("alice", first_name="Alice", last_name="Archer")
    northwind = CustomerFactory(name="Northwind Traders", portfolio=PortfolioFactory(collector=alice))
    owe(northwind, "1200.00", days_past_due=45)
    ContactFactory(customer=northwind, name="Pat Payables")

    login("alice")
    page.goto(f"/accounts/{northwind.pk}/")
    page.evaluate("window.__stillHere = true")
    # One request rendered every panel: nothing loads afterwards.
    assert page.locator("[hx-trigger=load]").count() == 0
    page.click("#account-actions summary:has-text('Log a call or email')")
    page.select_option("#account-actions select[name=outcome]", "no_answer")
    page.fill("#account-actions textarea[name=notes]", "Left a voicemail for Pat")
    page.click("#account-actions .log-form button[type=submit]")
    page.wait_for_selector("#account-actions >> text=Logged.")
    # The timeline hears of it and reloads itself in place.
    page.wait_for_selector("#timeline-entries >> text=Left a voicemail for Pat")

    page.click("#account-actions summary:has-text('Follow up')")
    page.fill("#account-actions input[name=on]", (timezone.localdate() + timedelta(days=3)).isoformat())
    page.click("#account-actions form[action$='/follow-up/'] button[type=submit]")
    page.wait_for_selector("#follow-up >> text=" + date_format(timezone.localdate() + timedelta(days=3)))
    assert page.evaluate("window.__stillHere") is True
    shot(page, "account-workspace-worked.png")


def test_a_refused_in_place_form_shows_its_error_where_the_collector_is(page, login):
    alice = collector("alice", first_name="Alice", last_name="Archer")
    northwind = CustomerFactory(name="Northwind Traders", portfolio=PortfolioFactory(collector=alice))
    owe(northwind, "1200.00", days_past_due=45)

    login("alice")
    page.goto(f"/accounts/{northwind.pk}/")
    page.evaluate("window.__stillHere = true")
    page.click("#account-actions summary:has-text('Log a call or email')")
    page.select_option("#account-actions select[name=outcome]", "promised")
    page.fill("#account-actions input[name=promise_amount]", "500.00")
    page.fill("#account-actions input[name=pay_by]", (timezone.localdate() - timedelta(days=3)).isoformat())
    with page.expect_response(lambda r: r.url.endswith("/log/")) as answer:
        page.click("#account-actions .log-form button[type=submit]")
    assert answer.value.status == 422
    # The server's refusal is swapped into the panel (htmx-config in base.html), on the same page.
    page.wait_for_selector("#account-actions .errorlist >> text=A promise is for today or later.")
    assert page.evaluate("window.__stillHere") is True
