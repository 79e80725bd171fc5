"""The AR inbox page and an email's page: unmatched mail waits, is assigned in one click (learning the
sender), proposed promises and disputes are confirmed through the work services with their bounds,
attachments go to cash application; and the workspace panel answers the customer, threaded."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cashapp.models import RemittanceAdvice
from inbox.models import InboundAttachment, InboundEmail
from ledger.models import Contact
from reminders.models import OutboundMessage
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, collector, past_due_invoice
from tests.inbox.mail import inbound
from work.models import Dispute, PromiseToPay, QueueTask

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice():
    return collector("alice")


@pytest.fixture
def account(alice):
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice), name="Northwind Traders",
                               external_id="NW-1")
    contact = ContactFactory(customer=customer, email="pat@northwind.example")
    invoice = past_due_invoice(customer, "1200.00", days=20)
    message = OutboundMessage.objects.create(
        customer=customer, kind="dunning", key=f"dunning:{customer.pk}:1", contact=contact, to_email=contact.email,
        subject="Invoice overdue", body="Please pay.", status="sent", sent_at=timezone.now() - timedelta(days=1),
        provider_message_id=OutboundMessage.message_id_for(f"dunning:{customer.pk}:1"))
    message.invoices.set([invoice])
    return customer, contact, message


def test_inbox_lists_unmatched_mail_and_not_other_collectors_accounts(client, alice, account,
                                                                      django_assert_max_num_queries):
    customer, _, message = account
    other = CustomerFactory(portfolio=PortfolioFactory(collector=collector("bob")), name="Other Co")
    for n in range(12):
        inbound(None, f"Hello {n}", subject=f"Unmatched {n}", sender=f"x{n}@unknown.example")
    inbound(other, "Not yours", subject="Bob's customer wrote")
    inbound(customer, "Thanks", subject="Alice's customer wrote", answers=message)
    client.force_login(alice)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("inbox"))
    html = response.content.decode()
    assert response.status_code == 200 and html.count('class="inbox-row"') == 12
    assert "Unmatched 3" in html and "Bob&#x27;s customer" not in html

    matched = client.get(reverse("inbox"), {"show": "matched"}, **HX).content.decode()
    assert "Alice&#x27;s customer wrote" in matched and "Bob&#x27;s" not in matched and "<html" not in matched
    refused = client.get(reverse("inbox"), {"show": "nonsense"})
    assert "Filter not applied — Show: Select a valid choice" in refused.content.decode()


def test_item_page_shows_a_customers_html_as_text_only(client, alice, account):
    email = inbound(None, "Hi", html='<p onclick="steal()">Hi</p><script>alert(1)</script>')
    client.force_login(alice)

    html = client.get(reverse("inbox_item", args=[email.pk])).content.decode()

    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'onclick="steal()"' not in html


def test_other_collectors_email_is_not_found(client, account):
    customer, _, _ = account
    email = inbound(customer, "Thanks")
    client.force_login(collector("bob"))

    assert client.get(reverse("inbox_item", args=[email.pk])).status_code == 404
    assert client.post(reverse("inbox_done", args=[email.pk])).status_code == 404


def test_assign_in_one_click_learns_the_sender(client, alice, account):
    customer, _, _ = account
    email = inbound(None, "We will pay on Friday.", sender="new@northwind.example", from_name="New Person")
    client.force_login(alice)

    found = client.get(reverse("inbox_item", args=[email.pk]), {"q": "northwind"}).content.decode()
    assert "Assign to Northwind Traders" in found
    response = client.post(reverse("inbox_assign", args=[email.pk]), {"customer": customer.pk})

    assert response.status_code == 302
    email.refresh_from_db()
    assert email.customer == customer and email.matched_by == "manual" and email.assigned_by == alice
    assert Contact.objects.filter(customer=customer, email="new@northwind.example").exists()
    assert QueueTask.objects.filter(key=f"inbox:{email.pk}", kind="customer_replied").exists()


def test_assign_refused_shows_the_error_in_place(client, alice, account):
    email = inbound(None, "Hello")
    client.force_login(alice)
    others = CustomerFactory(portfolio=PortfolioFactory(collector=collector("bob")))

    response = client.post(reverse("inbox_assign", args=[email.pk]), {"customer": others.pk}, **HX)

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="inbox-actions"' in html and "Choose one of the accounts found." in html and "<html" not in html


def test_confirm_the_proposed_promise(client, alice, account):
    customer, _, message = account
    email = inbound(customer, "We will pay next week.", answers=message)
    client.force_login(alice)

    page = client.get(reverse("inbox_item", args=[email.pk])).content.decode()
    assert 'value="1200.00"' in page and f'value="{email.proposed_promise_date.isoformat()}"' in page
    response = client.post(reverse("inbox_confirm", args=[email.pk]),
                           {"amount": "1200.00", "pay_by": email.proposed_promise_date.isoformat()})

    assert response.status_code == 302
    promise = PromiseToPay.objects.get(customer=customer)
    assert promise.amount == Decimal("1200.00") and promise.pay_by == email.proposed_promise_date
    assert list(promise.invoices.all()) == list(message.invoices.all())
    email.refresh_from_db()
    assert email.status == InboundEmail.Status.DONE
    assert QueueTask.objects.get(key=f"inbox:{email.pk}").status == QueueTask.Status.DONE


def test_a_promise_above_what_is_open_is_refused_in_place(client, alice, account):
    customer, _, message = account
    email = inbound(customer, "We will pay next week.", answers=message)
    client.force_login(alice)

    response = client.post(reverse("inbox_confirm", args=[email.pk]),
                           {"amount": "5000.00", "pay_by": email.proposed_promise_date.isoformat()}, **HX)

    assert response.status_code == 422
    assert "is more than is owed" in response.content.decode()
    assert not PromiseToPay.objects.exists()


def test_open_the_proposed_dispute(client, alice, account):
    customer, _, message = account
    email = inbound(customer, "The goods arrived damaged.", answers=message)
    client.force_login(alice)

    response = client.post(reverse("inbox_dispute", args=[email.pk]),
                           {"amount": "400.00", "root_cause": email.proposed_root_cause}, **HX)

    assert response.status_code == 200 and "Dispute opened: Damaged goods, 400.00." in response.content.decode()
    dispute = Dispute.objects.get(customer=customer)
    assert dispute.root_cause == "damaged" and dispute.source == "email"
    assert list(dispute.invoices.all()) == list(message.invoices.all())


def test_paid_email_attachment_is_offered_to_cash_application(client, alice, account):
    customer, _, message = account
    email = inbound(customer, "Already paid, remittance advice attached.", answers=message)
    attachment = InboundAttachment(email=email, filename="advice.csv", content_type="text/csv", size=30)
    attachment.file.save("advice.csv", ContentFile(b"invoice,amount\nINV-1042,1200.00\n"), save=True)
    client.force_login(alice)

    page = client.get(reverse("inbox_item", args=[email.pk])).content.decode()
    assert "Offer to cash application" in page and "check the cash" in page
    response = client.post(reverse("inbox_remittance", args=[email.pk, attachment.pk]))

    assert response.status_code == 302
    advice = RemittanceAdvice.objects.get(customer=customer)
    assert advice.filename == "advice.csv" and advice.created_by == alice


def test_mark_handled(client, alice, account):
    customer, _, _ = account
    email = inbound(customer, "Thanks")
    client.force_login(alice)

    assert client.post(reverse("inbox_done", args=[email.pk])).status_code == 302
    email.refresh_from_db()
    assert email.status == InboundEmail.Status.DONE and email.handled_at is not None


def test_workspace_shows_the_reply_threaded_under_our_message(client, alice, account):
    customer, _, message = account
    inbound(customer, "We will pay next week.", answers=message, subject="Re: Invoice overdue")
    client.force_login(alice)

    html = client.get(reverse("account", args=[customer.pk])).content.decode()

    panel = html[html.index('id="workspace-inbox"'):]
    assert "In reply to" in panel and "Invoice overdue" in panel and "Promises to pay" in panel
    assert "proposed: pay by" in panel


def test_reply_from_the_workspace_is_threaded(client, alice, account):
    customer, contact, message = account
    email = inbound(customer, "Can you send a copy?", answers=message, subject="Re: Invoice overdue",
                    contact=contact)
    email.references = f"<older@acme.example> {message.provider_message_id}"
    email.save(update_fields=["references"])
    client.force_login(alice)
    url = reverse("account_inbox_reply", args=[customer.pk, email.pk])

    form = client.get(url, **HX).content.decode()
    assert 'id="reply-form"' in form and 'value="Re: Invoice overdue"' in form
    refused = client.post(url, {"subject": "Re: Invoice overdue", "body": ""}, **HX)
    assert refused.status_code == 422 and "Write the answer before sending it." in refused.content.decode()
    sent = client.post(url, {"subject": "Re: Invoice overdue", "body": "Here it is."}, **HX)

    assert sent.status_code == 200 and "threaded under their email" in sent.content.decode()
    reply = OutboundMessage.objects.get(kind=OutboundMessage.Kind.REPLY)
    assert reply.to_email == contact.email and reply.subject == "Re: Invoice overdue"
    assert reply.in_reply_to == email.message_id
    assert reply.references == f"<older@acme.example> {message.provider_message_id} {email.message_id}"
    email.refresh_from_db()
    assert email.status == InboundEmail.Status.DONE
