"""A payment plan end to end, in Chromium: the collector offers a three-installment plan from the
queue, the customer sees it on the portal, a payment settles the first installment."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from ledger.models import Contact
from ledger.services import payment_receive
from portal.links import portal_token_for
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, collector, past_due_invoice
from work.plans.models import PaymentPlan
from work.queue.services import queue_build
from work.settlement import money_moved

pytestmark = pytest.mark.django_db(transaction=True)


def test_collector_offers_a_plan_and_the_customer_sees_it_paid_down(page, login):
    today = timezone.localdate()
    alice = collector("alice", first_name="Alice", last_name="Martin")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice), name="Northwind Traders")
    ContactFactory(customer=customer, name="Nancy Davolio", role=Contact.Role.AP_CLERK)
    older = past_due_invoice(customer, "1800.00", days=75, external_id="NW-1")
    past_due_invoice(customer, "1200.00", days=40, external_id="NW-2")
    queue_build()

    login("alice")
    page.goto("/queue/")
    page.click("#queue-list a.open-item")
    expect(page.locator("#panel")).to_contain_text("Northwind Traders")
    page.click("#offer-plan summary")
    plan_form = page.locator("#offer-plan form")
    plan_form.get_by_label("NW-1").check()
    plan_form.get_by_label("NW-2").check()
    plan_form.locator("input[name=count]").fill("3")
    plan_form.locator("input[name=first_due]").fill((today + timedelta(days=7)).isoformat())
    plan_form.locator("input[name=count]").dispatch_event("change")
    # The live preview lays out the installments before anything is saved.
    expect(page.locator("#plan-preview tr.plan-row")).to_have_count(3)
    expect(page.locator("#plan-preview")).to_contain_text("3,000.00 of 3,000.00 USD planned")
    plan_form.locator("button[type=submit]").click()

    expect(page.locator("#flash")).to_contain_text("payment plan of 3,000.00 USD in 3 installments agreed")
    expect(page.locator("#queue-list tr[data-pk]")).to_have_count(0)
    plan = PaymentPlan.objects.get()
    assert [i.amount for i in plan.installments.order_by("number")] == [Decimal("1000.00")] * 3

    page.goto(reverse("portal_home", args=[portal_token_for(customer)]))
    plan_box = page.locator(f"#plan-{plan.pk}")
    expect(plan_box).to_contain_text("On track")
    expect(plan_box).to_contain_text("still to pay 3,000.00 USD")
    expect(plan_box.locator("tr.installment")).to_have_count(3)
    expect(plan_box.locator("tr.i-kept")).to_have_count(0)

    payment_receive(customer=customer, external_id="PAY-1", received_date=today, amount="1000.00", currency="USD",
                    applications=[(older, Decimal("1000.00"))])
    money_moved(invoice_ids=[older.pk])

    page.reload()
    expect(plan_box.locator("tr.installment").first).to_contain_text("Paid")
    expect(plan_box.locator("tr.i-kept")).to_have_count(1)
    expect(plan_box).to_contain_text("still to pay 2,000.00 USD")
    second = plan.installments.get(number=2)
    expect(plan_box).to_contain_text(f"next installment 1,000.00 USD by {date_format(second.due_on)}")
