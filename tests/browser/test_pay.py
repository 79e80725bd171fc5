"""A customer pays from the reminder email, in Chromium: the Pay link the dunning pass wrote opens
the portal's pay page with exactly the reminded invoices, the sandbox checkout takes the card, the
result page says paid, the collector's timeline shows the payment, the receipt is in the outbox
and tomorrow's dunning pass leaves the invoices out. A direct debit that is pending pauses their
dunning, and its later failure resumes it."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import Invoice
from payments.models import PaymentRequest
from portal.links import portal_token_for
from reminders.dunning import dunning_plan, dunning_run
from reminders.models import OutboundMessage
from reminders.payment_notices import failure_key, receipt_key
from tests.factories import collector
from tests.reminders.factories import account, invoice, policy, template

pytestmark = pytest.mark.django_db(transaction=True)
CARD_OK = "4242424242424242"
SEPA_FAILS = "DE62370400440532013001"


def reminded(on) -> set[int]:
    return {line.invoice_id for lines in dunning_plan(on).emails.values() for line in lines}


def pay_link(message: OutboundMessage) -> str:
    return next(url for url in re.findall(r"https?://\S+", message.body) if "/pay/" in url)


def reminder_of(customer) -> OutboundMessage:
    return OutboundMessage.objects.get(customer=customer, kind=OutboundMessage.Kind.DUNNING)


@pytest.fixture
def book(live_server, settings):
    settings.SITE_URL = live_server.url
    alice = collector("alice", first_name="Alice", last_name="Martin")
    policy(name="Pay test policy", is_default=True)
    template(body="Dear {{ contact_name }},\n\n{{ invoice_table }}\n\nTotal: {{ total_due }}\n\n"
                  "{% if pay_url %}Pay these invoices online now: {{ pay_url }}\n\n{% endif %}{{ portal_link }}\n\n"
                  "{{ sign_off }}")
    return alice


def test_customer_pays_two_invoices_from_the_reminders_pay_button(page, login, book, ledger_balances):
    today = timezone.localdate()
    customer = account(name="Northwind Traders")
    customer.portfolio.collector = book
    customer.portfolio.save()
    first = invoice(customer, due=today - timedelta(days=3), external_id="NW-2001", amount="1200.00")
    second = invoice(customer, due=today - timedelta(days=12), external_id="NW-2002", amount="800.00")
    untouched = invoice(customer, due=today + timedelta(days=25), external_id="NW-2003", amount="500.00")

    dunning_run(as_of=today)
    link = pay_link(reminder_of(customer))
    next_week = today + timedelta(days=8)  # both would be due for their next step by then
    assert {first.pk, second.pk} <= reminded(next_week)

    page.goto(link)
    expect(page.locator("h1")).to_have_text("Pay online")
    expect(page.locator(f"#pay-invoice-{first.pk}")).to_be_checked()
    expect(page.locator(f"#pay-invoice-{second.pk}")).to_be_checked()
    expect(page.locator(f"#pay-invoice-{untouched.pk}")).not_to_be_checked()
    expect(page.locator("#pay-total")).to_contain_text("You pay 2,000.00 USD for 2 invoices.")
    page.get_by_role("button", name="Continue to payment").click()

    expect(page.locator("h1")).to_contain_text("2000.00")
    page.fill("input[name=number]", CARD_OK)
    page.locator("button.pay-button").click()

    expect(page.locator("#pay-status")).to_contain_text("Paid. Thank you!")
    expect(page.locator("#pay-lines")).to_contain_text("NW-2001")
    expect(page.locator("#pay-lines")).to_contain_text("NW-2002")
    request = PaymentRequest.objects.get(customer=customer)
    assert request.origin == "email" and request.status == PaymentRequest.Status.SUCCEEDED
    assert set(Invoice.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"paid"}
    ledger_balances()

    receipt = OutboundMessage.objects.get(key=receipt_key(request))
    assert receipt.status == OutboundMessage.Status.SENT
    assert "NW-2001" in receipt.body and "NW-2002" in receipt.body and "2,000.00 USD" in receipt.body

    login("alice")
    page.goto(f"/accounts/{customer.pk}/")
    expect(page.locator("#timeline")).to_contain_text(f"Payment {request.external_id} received")

    assert not reminded(today + timedelta(days=1)) & {first.pk, second.pk}
    assert not reminded(next_week) & {first.pk, second.pk}


def test_a_pending_debit_pauses_dunning_and_its_failure_resumes_it(page, book):
    today = timezone.localdate()
    customer = account(name="Contoso GmbH", currency="EUR")  # a SEPA debit collects euros
    late = invoice(customer, due=today - timedelta(days=4), external_id="CT-1", amount="640.00", currency="EUR")
    dunning_run(as_of=today)

    page.goto(pay_link(reminder_of(customer)))
    expect(page.locator(f"#pay-invoice-{late.pk}")).to_be_checked()
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_label("SEPA Direct Debit").check()
    page.fill("input[name=number]", SEPA_FAILS)
    page.locator("button.pay-button").click()

    expect(page.locator("#pay-status")).to_contain_text("Your payment is on its way.")
    expect(page.locator("#pay-status")).to_contain_text("We will not remind you about these invoices meanwhile")
    request = PaymentRequest.objects.get(customer=customer)
    assert request.status == PaymentRequest.Status.PENDING
    assert late.pk not in reminded(today + timedelta(days=7)), "pending: no reminder"

    call_command("sandbox_payment", request.provider_ref, "failed")

    # The page asks again by itself and shows the failure with a way to try again.
    expect(page.locator("#pay-status")).to_contain_text("The payment did not go through.", timeout=20000)
    expect(page.get_by_role("link", name="Try again")).to_be_visible()
    assert late.pk in reminded(today + timedelta(days=7)), "failed: dunning resumes"
    notice = OutboundMessage.objects.get(key=failure_key(request))
    assert "CT-1" in notice.body and "did not go through after all" in notice.body


def test_the_running_total_speaks_the_customers_language(page, book, settings):
    """A French customer reads the running total in French, the amount as French writes it, and may
    type a decimal comma."""
    today = timezone.localdate()
    customer = account(name="Brasserie du Port", language="fr")
    first = invoice(customer, due=today - timedelta(days=3), external_id="BP-1", amount="1200.00")
    invoice(customer, due=today - timedelta(days=12), external_id="BP-2", amount="800.00")
    page.goto(f"{settings.SITE_URL}{reverse('portal_pay', args=[portal_token_for(customer)])}?select=due")
    expect(page.locator("h1")).to_have_text("Payer en ligne")
    expect(page.locator("#pay-total")).to_contain_text("Vous payez 2\u202f000,00\u00a0$US pour 2 factures.")
    page.locator(f"#pay-row-{first.pk} input[type=text]").fill("100,50")
    expect(page.locator("#pay-total")).to_contain_text("Vous payez 900,50\u00a0$US pour 2 factures.")
    page.locator(f"#pay-invoice-{first.pk}").uncheck()
    expect(page.locator("#pay-total")).to_contain_text("Vous payez 800,00\u00a0$US pour 1 facture.")
