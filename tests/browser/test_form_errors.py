"""Every in-place form shows its refusal where the user is looking, in Chromium: the queue panel's
outcome, dispute, snooze and plan forms, the workspace's follow-up, dispute and plan forms. A plan's
message sits at the top of a long form, above the submit button the collector just pressed: it is
brought into view (static/js/form-errors.js). A failure that is not a refusal (a 500, a 403) is said
beside the form instead of a button that seems to do nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import Contact
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, collector
from work.queue.services import queue_build

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def northwind():
    today = timezone.localdate()
    alice = collector("alice", first_name="Alice", last_name="Martin")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice), name="Northwind Traders")
    ContactFactory(customer=customer, name="Nancy Davolio", role=Contact.Role.AP_CLERK)
    for n, age in enumerate((75, 40)):
        due = today - timedelta(days=age)
        InvoiceFactory(customer=customer, external_id=f"NW-{n}", issue_date=due - timedelta(days=30), due_date=due,
                       amount=Decimal("1500.00"), open_amount=Decimal("1500.00"))
    queue_build()
    return customer


@pytest.fixture
def queue_panel(page, login, northwind):
    """Alice's queue with Northwind's item open in the panel, in a short window (the panel scrolls)."""
    page.set_viewport_size({"width": 1366, "height": 700})
    login("alice")
    page.goto("/queue/")
    page.locator("#queue-list a.open-item").first.click()
    expect(page.locator("#panel")).to_contain_text("Log the outcome")
    return page


@pytest.fixture
def workspace(page, login, northwind):
    page.set_viewport_size({"width": 1366, "height": 700})
    login("alice")
    page.goto(f"/accounts/{northwind.pk}/")
    return page


def refused(page, url_end: str, click):
    with page.expect_response(lambda r: r.url.endswith(url_end) and r.request.method == "POST") as answer:
        click()
    assert answer.value.status in (400, 422)


def test_queue_outcome_promised_without_amount_or_date(queue_panel):
    page = queue_panel
    page.select_option("#log-form select[name=outcome]", "promised")
    refused(page, "/log/", lambda: page.click("#log-form button[type=submit]"))
    expect(page.locator("#log-form .errorlist >> text=How much did they promise?")).to_be_in_viewport()
    expect(page.locator("#log-form .errorlist >> text=By when?")).to_be_visible()


def test_queue_dispute_without_invoices(queue_panel):
    page = queue_panel
    page.select_option("#log-form select[name=outcome]", "disputed")
    page.select_option("#log-form select[name=dispute_root_cause]", "damaged")
    refused(page, "/log/", lambda: page.click("#log-form button[type=submit]"))
    expect(page.locator("#log-form .errorlist >> text=Tick the disputed invoices.")).to_be_in_viewport()


def test_queue_snooze_until_today(queue_panel):
    page = queue_panel
    page.click("#snooze summary")
    page.fill("#snooze input[name=until]", timezone.localdate().isoformat())
    page.fill("#snooze input[name=reason]", "Back tomorrow")
    refused(page, "/snooze/", lambda: page.click("#snooze button[type=submit]"))
    expect(page.locator("#snooze .errorlist >> text=Snooze until a later day.")).to_be_in_viewport()


def test_queue_plan_with_a_past_first_date(queue_panel):
    page = queue_panel
    page.click("#offer-plan summary")
    form = page.locator("#offer-plan form")
    form.get_by_label("NW-0").check()
    form.locator("input[name=first_due]").fill((timezone.localdate() - timedelta(days=7)).isoformat())
    refused(page, "/plan/", lambda: form.locator("button[type=submit]").click())
    # The message sits at the top of the plan form, above the button just pressed: it is brought into view.
    expect(page.locator("#offer-plan .errorlist >> text=The first installment cannot be in the past.")
           ).to_be_in_viewport()


def test_workspace_follow_up_in_the_past(workspace):
    page = workspace
    page.click("#account-actions summary:has-text('Follow up')")
    page.fill("#account-actions input[name=on]", (timezone.localdate() - timedelta(days=3)).isoformat())
    refused(page, "/follow-up/", lambda: page.click("#account-actions form[action$='/follow-up/'] button[type=submit]"))
    expect(page.locator("#account-actions .errorlist >> text=A follow-up is for today or later.")).to_be_in_viewport()


def test_workspace_dispute_without_invoices(workspace):
    page = workspace
    page.click("#account-actions summary:has-text('Log a call or email')")
    page.select_option("#account-actions select[name=outcome]", "disputed")
    refused(page, "/log/", lambda: page.click("#account-actions .log-form button[type=submit]"))
    expect(page.locator("#account-actions .errorlist >> text=Tick the disputed invoices.")).to_be_in_viewport()


def test_workspace_plan_with_a_past_first_date(workspace):
    page = workspace
    page.click("#plans a:has-text('Offer a plan')")
    form = page.locator("#plan-form")
    form.get_by_label("NW-0").check()
    form.locator("input[name=first_due]").fill((timezone.localdate() - timedelta(days=7)).isoformat())
    refused(page, "/plans/new/", lambda: form.locator("button[type=submit]").click())
    expect(page.locator("#plans .errorlist >> text=The first installment cannot be in the past.")).to_be_in_viewport()


def test_a_server_failure_on_an_in_place_form_is_said_beside_it(queue_panel):
    page = queue_panel
    page.route("**/snooze/", lambda route: route.fulfill(status=500, body="boom"))
    page.click("#snooze summary")
    page.fill("#snooze input[name=until]", (timezone.localdate() + timedelta(days=3)).isoformat())
    page.fill("#snooze input[name=reason]", "Back Monday")
    page.click("#snooze button[type=submit]")
    expect(page.locator("#snooze [role=alert]")).to_contain_text("the server failed (500)")
