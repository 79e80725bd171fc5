"""A collector's morning, in Chromium: the queue with its reasons, a call logged with a promise,
a dispute opened, an item snoozed — each item leaving the list in place, without a reload; a click
anywhere on a row opens that account; the filters narrow the list in place."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import Contact, Invoice
from reminders.eligibility import invoices_blocked_from_dunning
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, collector
from work import promises
from work import services as work_services
from work.models import PromiseToPay
from work.queue.models import QueueEntry, Snooze
from work.queue.services import queue_build

pytestmark = pytest.mark.django_db(transaction=True)


def demo_like_book():
    """Alice's portfolio, shaped like the demo book: a broken promise, old and recent past-due
    balances, an account waiting for approval, a low balance left to reminders."""
    today = timezone.localdate()
    alice = collector("alice", first_name="Alice", last_name="Martin")
    portfolio = PortfolioFactory(collector=alice, name="Alice's portfolio")
    accounts = {}
    for name, ages, amount in [
        ("Northwind Traders", [75, 40], "18000.00"),
        ("Contoso Pharmacy", [35], "9200.00"),
        ("Fabrikam Tools", [100], "4100.00"),
        ("Tailspin Toys", [12], "2600.00"),
        ("Litware Labs", [5], "300.00"),
    ]:
        customer = CustomerFactory(portfolio=portfolio, name=name)
        ContactFactory(customer=customer, name=f"AP at {name.split()[0]}", role=Contact.Role.AP_CLERK)
        for n, age in enumerate(ages):
            due = today - timedelta(days=age)
            InvoiceFactory(customer=customer, external_id=f"{name[:3].upper()}-{n}",
                           issue_date=due - timedelta(days=30), due_date=due, amount=Decimal(amount))
        accounts[name] = customer
    promised = accounts["Tailspin Toys"]
    promise = work_services.promise_record(customer=promised, amount="2600.00", pay_by=today - timedelta(days=1),
                                           invoices=list(promised.invoices.all()))
    PromiseToPay.objects.filter(pk=promise.pk).update(created_at=timezone.now() - timedelta(days=6))
    promises.promises_settle()
    queue_build()
    return alice, accounts


def test_collector_works_the_queue(page, login, live_server):
    alice, accounts = demo_like_book()
    login("alice")
    page.goto("/queue/")
    rows = page.locator("#queue-list tr[data-pk]")
    expect(rows).to_have_count(4)  # Litware's 300.00 is left to automated reminders
    # One line per account: short chips; the sentences are in the panel once it opens.
    expect(page.locator("#queue-list tr[data-pk] .chip.r-promise_broken")).to_have_text("Broken promise")
    expect(page.locator("#queue-list")).to_contain_text("61–90 days")
    expect(page.locator("#queue-counter")).to_contain_text("0 done · 4 remaining today")
    expect(page.locator(".keys")).to_contain_text("snooze")

    # 1. The first item (the broken promise): open it with the keyboard, log a call with a new promise.
    first = rows.first
    expect(first).to_contain_text("Tailspin Toys")
    first_pk = first.get_attribute("data-pk")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    panel = page.locator("#panel")
    expect(panel).to_contain_text("Call AP at Tailspin about the broken promise")
    expect(panel).to_contain_text("promise of $2,600 broken yesterday")
    page.select_option("#log-form select[name=outcome]", "promised")
    page.fill("#log-form input[name=promise_amount]", "2600.00")
    page.fill("#log-form input[name=pay_by]", (timezone.localdate() + timedelta(days=3)).isoformat())
    page.locator("#log-form input[name=invoices]").first.check()
    page.fill("#log-form textarea[name=notes]", "Cheque run on Thursday")
    url_before = page.url
    page.click("#log-form button[type=submit]")
    expect(page.locator(f"#item-{first_pk}")).to_have_count(0)
    expect(page.locator("#queue-counter")).to_contain_text("1 done · 3 remaining today")
    assert page.url == url_before  # no reload, no navigation
    next_pk = rows.first.get_attribute("data-pk")
    expect(panel.locator(f'[data-entry="{next_pk}"]')).to_have_count(1)  # the next item is ready
    expect(page.locator("#queue-list tr.selected")).to_have_attribute("data-pk", next_pk)

    # 2. Another item: open a dispute on its invoice.
    disputed_customer = QueueEntry.objects.get(pk=next_pk).customer
    invoice = disputed_customer.invoices.order_by("due_date").first()
    page.select_option("#log-form select[name=outcome]", "disputed")
    page.select_option("#log-form select[name=dispute_root_cause]", "damaged")
    page.locator(f'#log-form input[name=invoices][value="{invoice.pk}"]').check()
    page.fill("#log-form textarea[name=notes]", "Pallet arrived crushed")
    page.click("#log-form button[type=submit]")
    expect(page.locator(f"#item-{next_pk}")).to_have_count(0)
    expect(page.locator("#queue-counter")).to_contain_text("2 done · 2 remaining today")
    assert invoices_blocked_from_dunning().filter(pk=invoice.pk).exists()

    # 3. A third: snooze it with a date and a reason (keyboard "s" opens the snooze form).
    third_pk = rows.first.get_attribute("data-pk")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("s")
    page.fill("#snooze input[name=until]", (timezone.localdate() + timedelta(days=4)).isoformat())
    page.fill("#snooze input[name=reason]", "AP clerk back Monday")
    page.click("#snooze button[type=submit]")
    expect(page.locator(f"#item-{third_pk}")).to_have_count(0)
    expect(page.locator("#queue-counter")).to_contain_text("2 done · 1 remaining today · 1 snoozed")
    assert Snooze.objects.get().reason == "AP clerk back Monday"

    # The promise is on the account's timeline; the disputed invoice shows as disputed.
    page.goto(f"/accounts/{accounts['Tailspin Toys'].pk}/")
    expect(page.locator("#timeline-entries")).to_contain_text("Promise to pay by")
    expect(page.locator("#timeline-entries")).to_contain_text("Cheque run on Thursday")
    page.goto(f"/accounts/{disputed_customer.pk}/")
    expect(page.locator("#timeline-entries")).to_contain_text("Dispute: Damaged goods")
    page.click("#timeline-entries a:has-text('Disputes')")
    expect(page.locator("#timeline-entries li.t-dispute")).to_have_count(1)
    expect(page.locator("#timeline-entries li.t-activity")).to_have_count(0)
    assert Invoice.objects.get(pk=invoice.pk).disputes.filter(status="open").exists()


def test_a_click_anywhere_on_a_row_opens_that_account_in_the_panel(page, login, live_server):
    alice, accounts = demo_like_book()
    login("alice")
    page.goto("/queue/")
    rows = page.locator("#queue-list tr[data-pk]")
    expect(rows).to_have_count(4)
    panel = page.locator("#panel")
    url_before = page.url

    # The name opens it in place (its href is for reloads, new tabs and no JavaScript).
    first_pk = rows.nth(0).get_attribute("data-pk")
    rows.nth(0).locator("a.open-item").click()
    expect(panel.locator(f'[data-entry="{first_pk}"]')).to_have_count(1)
    assert page.url == url_before

    # Any other cell opens that row's account, not the one open before, and only it is highlighted.
    for n, cell in [(1, "td.chips"), (2, "td.num"), (3, "td.bucket")]:
        row = rows.nth(n)
        pk = row.get_attribute("data-pk")
        name = QueueEntry.objects.get(pk=pk).customer.name
        row.locator(cell).click()
        expect(panel.locator(f'[data-entry="{pk}"]')).to_have_count(1)
        expect(panel.locator("h2")).to_contain_text(name)
        expect(page.locator("#queue-list tr.selected")).to_have_count(1)
        expect(page.locator("#queue-list tr.selected")).to_have_attribute("data-pk", pk)
    assert page.url == url_before

    # The keyboard still works from there: k moves up, Enter opens that row.
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    pk = rows.nth(2).get_attribute("data-pk")
    expect(panel.locator(f'[data-entry="{pk}"]')).to_have_count(1)
    expect(page.locator("#queue-list tr.selected")).to_have_attribute("data-pk", pk)


def test_filters_and_sort_narrow_the_list_in_place(page, login, live_server):
    alice, accounts = demo_like_book()
    login("alice")
    page.goto("/queue/")
    rows = page.locator("#queue-list tr[data-pk]")
    expect(rows).to_have_count(4)
    page.select_option("#id_reason", "promise")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Tailspin Toys")
    assert "reason=promise" in page.url  # pushed: a reload keeps the filter
    page.select_option("#id_reason", "")
    page.select_option("#id_sort", "name")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Contoso Pharmacy")
    page.fill("#id_amount_min", "10000")
    page.locator("#id_amount_min").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Northwind Traders")  # 36,000 past due
    # A bad value in a bookmarked address is said, not silently dropped.
    page.goto("/queue/?bucket=12-13")
    expect(page.locator("#queue-list .filter-error")).to_contain_text("Oldest past due: Select a valid choice")
