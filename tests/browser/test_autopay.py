"""A customer turns autopay on in the portal with the sandbox's test card; their collector sees it
on the workspace and pauses it in place."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from autopay.models import AutopayCharge, Mandate
from ledger.models import Contact
from ledger.services import invoice_issue
from portal.links import portal_token_for
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, collector

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sandbox(settings, live_server):
    settings.PAYMENTS_PROVIDER = "sandbox"
    settings.PAYMENTS_SANDBOX_ALLOWED = True
    settings.SITE_URL = live_server.url


def test_customer_enrols_in_the_portal_and_the_collector_pauses_autopay(page, login):
    alice = collector("alice", first_name="Alice", last_name="Archer")
    customer = CustomerFactory(name="Northwind Traders", currency="EUR", portfolio=PortfolioFactory(collector=alice))
    ContactFactory(customer=customer, role=Contact.Role.AP_CLERK, email="ap@northwind.example")
    due = timezone.localdate() + timedelta(days=12)
    invoice_issue(customer=customer, external_id="INV-4200", issue_date=due - timedelta(days=30), due_date=due,
                  amount=Decimal("4200.00"), currency="EUR")

    page.goto(f"/portal/{portal_token_for(customer)}/")
    page.click("text=Automatic payment (autopay)")
    # Only for "a day of the month"; the deferred script hides it once the page is parsed (waited for:
    # the first page of a browser session can be asked before that).
    expect(page.locator("#field-day")).to_be_hidden()
    page.check("input[name=kind][value=card]")
    page.click("button:has-text('Continue to save the payment method')")  # refused: not accepted yet
    page.wait_for_selector("#autopay-form .errors >> text=Please accept the authorization")
    page.check("#id_accept")
    page.click("button:has-text('Continue to save the payment method')")

    page.wait_for_selector("text=Save a payment method for automatic payments")  # the sandbox's page
    page.fill("input[name=number]", "4242 4242 4242 4242")
    page.click("button:has-text('Save')")
    page.wait_for_selector("#autopay-notice >> text=Autopay is on")
    state = page.locator("#autopay-state").inner_text()
    assert "Autopay is on: Visa •••• 4242, on each invoice's due date." in state
    assert "INV-4200" in state
    mandate = Mandate.objects.get()
    assert mandate.status == Mandate.Status.ACTIVE and AutopayCharge.objects.get().charge_date == due

    login("alice")
    page.goto(f"/accounts/{customer.pk}/")
    panel = page.locator("#autopay")
    assert "Visa •••• 4242" in panel.inner_text() and "INV-4200" in panel.inner_text()
    page.evaluate("window.__stillHere = true")
    page.fill("#autopay-pause-reason", "   ")  # passes the browser's `required`; the server refuses it
    page.click("#autopay-pause-form button[type=submit]")
    page.wait_for_selector("#autopay-pause-form .errors >> text=Say why autopay is paused")
    page.fill("#autopay-pause-reason", "Customer disputes the delivery")
    page.click("#autopay-pause-form button[type=submit]")
    page.wait_for_selector("#autopay >> text=Autopay paused")
    assert page.evaluate("window.__stillHere") is True  # swapped in place, no reload
    assert "Customer disputes the delivery" in page.locator("#autopay").inner_text()
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.PAUSED and mandate.paused_by == alice
    assert AutopayCharge.objects.get().status == AutopayCharge.Status.SKIPPED

    page.click("#autopay-resume-form button[type=submit]")
    page.wait_for_selector("#autopay >> text=Autopay resumed")
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACTIVE

    page.goto(f"/portal/{portal_token_for(customer)}/autopay/setup/")  # the customer cancels it
    page.click("text=Cancel autopay")
    page.click("#autopay-cancel-form button[type=submit]")  # not confirmed: says so in place
    page.wait_for_selector("#autopay-cancel-form .errors >> text=Tick the box")
    page.check("#autopay-confirm")
    page.click("#autopay-cancel-form button[type=submit]")
    page.wait_for_selector("#autopay-notice >> text=Autopay is cancelled")
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.CANCELLED
