"""A customer's visit, in Chromium: the link from a captured reminder email opens the portal, the
customer disputes one invoice and promises to pay another; the collector's queue and the account
timeline show both."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from reminders.dunning import dunning_run
from tests.factories import collector
from tests.reminders.factories import account, invoice, policy
from work.models import Dispute, PromiseToPay, QueueTask
from work.queue.services import queue_build

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_disputes_and_promises_from_the_reminder_link(page, login, live_server, settings):
    settings.SITE_URL = live_server.url
    today = timezone.localdate()
    alice = collector("alice", first_name="Alice", last_name="Martin")
    policy(name="Portal test policy", is_default=True)
    customer = account(name="Northwind Traders", portfolio=None)
    customer.portfolio.collector = alice
    customer.portfolio.save()
    damaged = invoice(customer, due=today - timedelta(days=3), external_id="NW-1001", amount="1200.00")
    promised = invoice(customer, due=today - timedelta(days=12), external_id="NW-1002", amount="800.00")

    dunning_run(as_of=today)
    assert len(mail.outbox) == 1, "the dunning run sends one reminder listing both invoices"
    body = mail.outbox[0].body
    assert "NW-1001" in body and "NW-1002" in body
    link = next(url for url in re.findall(r"https?://\S+", body) if url.startswith(live_server.url))

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Northwind Traders")
    expect(page.locator("#open-invoices")).to_contain_text("NW-1001")
    expect(page.locator("#open-invoices")).to_contain_text("NW-1002")

    page.locator(f"#invoice-{damaged.pk}").get_by_role("link", name="Dispute").click()
    page.select_option("#id_root_cause", "damaged")
    page.fill("#id_message", "Two pallets arrived crushed.")
    page.get_by_role("button", name="Send dispute").click()
    expect(page.locator("#confirmation")).to_contain_text("Your dispute is recorded")
    expect(page.locator(f"#invoice-{damaged.pk}")).to_contain_text("In dispute")

    page.locator(f"#invoice-{promised.pk}").get_by_role("link", name="Promise").click()
    expect(page.locator(f"input[name=invoices][value='{promised.pk}']")).to_be_checked()
    page.fill("#id_pay_by", (today + timedelta(days=7)).isoformat())
    page.fill("#id_amount", "5000.00")
    page.get_by_role("button", name="Send promise").click()
    expect(page.locator("#portal-form")).to_contain_text("The invoices you chose have 800.00 USD open.")
    assert not PromiseToPay.objects.exists()
    page.fill("#id_amount", "800.00")
    page.get_by_role("button", name="Send promise").click()
    expect(page.locator("#confirmation")).to_contain_text("Your payment promise is recorded")
    expect(page.locator("#your-requests")).to_contain_text("Damaged goods")
    expect(page.locator("#your-requests")).to_contain_text("Promise to pay 800.00")

    dispute = Dispute.objects.get(customer=customer)
    assert dispute.source == "portal" and list(dispute.invoices.all()) == [damaged]
    promise = PromiseToPay.objects.get(customer=customer)
    assert promise.source == "portal" and list(promise.invoices.all()) == [promised]
    kinds = set(QueueTask.objects.filter(customer=customer, status="open").values_list("kind", flat=True))
    assert {QueueTask.Kind.PORTAL_DISPUTE, QueueTask.Kind.PORTAL_PROMISE} <= kinds

    queue_build()
    login("alice")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/queue/")
    expect(page.locator("#queue-list")).to_contain_text("Northwind Traders")
    # The row says it in short chips; the sentences and the next action are in the panel.
    expect(page.locator("#queue-list")).to_contain_text("Disputed via portal")
    expect(page.locator("#queue-list")).to_contain_text("Portal promise")
    page.locator("#queue-list tr[data-pk]", has_text="Northwind Traders").locator("td.chips").click()
    expect(page.locator("#panel")).to_contain_text("portal dispute on NW-1001: Damaged goods")
    expect(page.locator("#panel")).to_contain_text("portal promise: 800.00")
    expect(page.locator("#panel")).to_contain_text("Answer what the customer did in the portal today")
    page.goto(f"/accounts/{customer.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Dispute: Damaged goods")
    expect(timeline).to_contain_text("Promise to pay by")
    expect(timeline).to_contain_text("Portal visit")
