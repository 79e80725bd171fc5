"""A customer answers a dunning email with a date, in Chromium: the reply comes in through
`ingest_email`, the queue shows the account on top with the proposed promise, the collector confirms
the promise and answers from the workspace; the answer is queued threaded under the customer's email,
and once sent the account's timeline shows the conversation as one thread."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from inbox.models import InboundEmail
from reminders import outbox
from reminders.models import OutboundMessage
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, collector, past_due_invoice
from work.models import PromiseToPay
from work.queue.services import queue_build

pytestmark = pytest.mark.django_db(transaction=True)


def book():
    alice = collector("alice", first_name="Alice", last_name="Martin")
    portfolio = PortfolioFactory(collector=alice, name="Alice's portfolio")
    bigger = CustomerFactory(portfolio=portfolio, name="Contoso Pharmacy")
    ContactFactory(customer=bigger)
    past_due_invoice(bigger, "30000.00", days=75)
    customer = CustomerFactory(portfolio=portfolio, name="Northwind Traders")
    contact = ContactFactory(customer=customer, name="Pat Payables", email="pat@northwind.example")
    invoice = past_due_invoice(customer, "1200.00", days=20, external_id="NW-1042")
    dunning, _ = outbox.message_queue(  # the reminder, sent through the outbox (so it is on the timeline)
        customer=customer, kind=OutboundMessage.Kind.MANUAL, key=f"manual:{customer.pk}:1", contact=contact,
        subject="Invoice NW-1042 is overdue", body="Please pay invoice NW-1042.", invoices=[invoice], dispatch=False)
    dunning = outbox.message_send(message_id=dunning.pk)
    assert dunning is not None and dunning.status == "sent"
    queue_build()
    return alice, customer, dunning


def customer_reply(dunning: OutboundMessage, tmp_path) -> str:
    raw = (
        "From: Pat Payables <pat@northwind.example>\r\nTo: ar@acme.example\r\n"
        "Subject: Re: Invoice NW-1042 is overdue\r\nMessage-ID: <pat-1@northwind.example>\r\n"
        f"In-Reply-To: {dunning.provider_message_id}\r\nReferences: {dunning.provider_message_id}\r\n"
        f"Date: {timezone.now().strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Hello, we will pay next week.\r\nPat\r\n\r\n"
        "On Mon, 30 Nov 2026 at 09:00, AR <ar@acme.example> wrote:\r\n> Please pay invoice NW-1042.\r\n"
    )
    path = tmp_path / "reply.eml"
    path.write_bytes(raw.encode())
    return str(path)


def test_customer_replies_with_a_date_and_the_collector_confirms_and_answers(page, login, tmp_path):
    alice, customer, dunning = book()
    call_command("ingest_email", customer_reply(dunning, tmp_path))
    email = InboundEmail.objects.get(message_id="<pat-1@northwind.example>")
    assert (email.customer, email.answers, email.classification) == (customer, dunning, "promise")

    login("alice")
    page.goto("/queue/")
    first = page.locator("#queue-list tr[data-pk]").first
    expect(first).to_contain_text("Northwind Traders")  # above the bigger, older balance
    expect(first.locator(".chip.r-customer_acted")).to_have_text("Customer wrote")
    expect(first.locator(".chip.r-customer_acted")).to_have_attribute(
        "title", re.compile(r"^Customer wrote: Proposes a promise to pay by .+: confirm it \(Pat Payables\)$"))

    page.goto(f"/accounts/{customer.pk}/")
    panel = page.locator("#workspace-inbox")
    expect(panel).to_contain_text("In reply to Invoice NW-1042 is overdue")
    expect(panel).to_contain_text("we will pay next week")
    panel.get_by_role("link", name="Confirm the promise").click()
    expect(page.locator("#promise-form input[name=amount]")).to_have_value("1200.00")
    expect(page.locator("#promise-form input[name=pay_by]")).to_have_value(email.proposed_promise_date.isoformat())
    page.locator("#promise-form button[type=submit]").click()
    expect(page.locator("#inbox-actions")).to_contain_text("Promise of 1,200.00 by")
    promise = PromiseToPay.objects.get(customer=customer)
    assert (promise.amount, promise.pay_by) == (Decimal("1200.00"), email.proposed_promise_date)

    page.goto(f"/accounts/{customer.pk}/")
    page.locator("#workspace-inbox").get_by_role("link", name="Reply").click()
    form = page.locator("#reply-form")
    expect(form.locator("input[name=subject]")).to_have_value("Re: Invoice NW-1042 is overdue")
    form.locator("textarea[name=body]").fill("   ")  # a blank answer is refused beside the form
    form.locator("button[type=submit]").click()
    expect(page.locator("#reply-form")).to_contain_text("Write the answer before sending it.")
    assert not OutboundMessage.objects.filter(kind=OutboundMessage.Kind.REPLY).exists()
    form = page.locator("#reply-form")
    form.locator("textarea[name=body]").fill("Thank you Pat, noted for next week.")
    form.locator("button[type=submit]").click()
    expect(page.locator("#workspace-inbox")).to_contain_text("threaded under their email")

    reply = OutboundMessage.objects.get(kind=OutboundMessage.Kind.REPLY)
    assert reply.to_email == "pat@northwind.example" and reply.subject == "Re: Invoice NW-1042 is overdue"
    assert reply.in_reply_to == "<pat-1@northwind.example>"
    assert reply.references == f"{dunning.provider_message_id} <pat-1@northwind.example>"

    outbox.message_send(message_id=reply.pk)
    page.goto(f"/accounts/{customer.pk}/")
    thread = page.locator("#timeline-entries li.t-thread")
    expect(thread).to_have_count(1)
    expect(thread).to_contain_text("Invoice NW-1042 is overdue")
    replies = thread.locator("ol.replies > li")
    expect(replies).to_have_count(2)
    expect(replies.nth(0)).to_contain_text("Email from Pat Payables: Re: Invoice NW-1042 is overdue")
    expect(replies.nth(1)).to_contain_text("Re: Invoice NW-1042 is overdue")
    expect(replies.nth(1)).to_contain_text("Alice Martin")
