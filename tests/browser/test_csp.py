"""The pages work under the Content-Security-Policy in a real browser: no violation reported and no
console error on the queue, the account page, the accounts list, the team dashboard (its charts)
and the reports; the behaviours moved out of inline code still work."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, collector, manager

pytestmark = pytest.mark.django_db(transaction=True)

LISTEN = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber));
"""


@pytest.fixture
def watched(page):
    """The page, recording console errors and CSP violations on every document it loads."""
    errors = []
    page.context.add_init_script(LISTEN)
    # (Chromium's own /favicon.ico request logs "Failed to load resource"; the page's own failed
    # requests are caught by the response listener below.)
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)

    def clean(where: str) -> None:
        violations = page.evaluate("window.__csp || []")
        assert not violations, f"{where}: {violations}"
        assert not errors, f"{where}: {errors}"

    page.clean = clean
    return page


@pytest.fixture
def book():
    today = timezone.localdate()
    alice = collector("alice", first_name="Alice", last_name="Collector")
    portfolio = PortfolioFactory(name="Alice's book", collector=alice)
    customers = []
    for k in range(3):
        customer = CustomerFactory(name=f"Account {k}", portfolio=portfolio)
        ContactFactory(customer=customer)
        for days in (5, 25, 50):
            due = today - timedelta(days=days + k)
            InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due,
                           amount=Decimal("800.00"), open_amount=Decimal("800.00"))
        customers.append(customer)
    manager("maria", first_name="Maria", last_name="Manager")
    return customers


def test_collector_pages_run_without_a_policy_violation(watched, login, book):
    login("alice")
    watched.goto("/queue/")
    watched.wait_for_load_state("networkidle")
    watched.clean("queue")

    watched.goto(f"/accounts/{book[0].pk}/")
    watched.wait_for_load_state("networkidle")
    widths = watched.eval_on_selector_all(".aging-strip span", "bars => bars.map(b => b.getBoundingClientRect().width)")
    assert widths and all(width > 0 for width in widths)  # sized by static/js/accounts.js, not a style attribute
    link = watched.locator("input.portal-link")
    if link.count():
        link.focus()
        assert watched.evaluate("document.activeElement.selectionEnd - document.activeElement.selectionStart") > 0
    watched.clean("account page")


def test_manager_pages_run_without_a_policy_violation(watched, login, book):
    login("maria")
    watched.goto("/accounts/")
    watched.wait_for_load_state("networkidle")
    tick_all = watched.locator("input[data-check-all]")
    if tick_all.count():
        tick_all.check()
        boxes = watched.locator("#reassign-form input[name=customers]")
        assert boxes.count() and all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    watched.clean("accounts list")

    watched.goto("/team/")
    watched.wait_for_function("window.Chart && Chart.getChart('chart-buckets')")
    watched.clean("team dashboard")

    for path in ("/reports/", "/reports/aging/", "/reports/dso/", "/reports/forecast/"):
        watched.goto(path)
        watched.wait_for_load_state("networkidle")
        watched.clean(path)
