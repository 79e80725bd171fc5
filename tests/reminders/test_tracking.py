import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import Contact
from reminders.dunning import dunning_run
from reminders.models import DunningPolicy, OutboundMessage
from reminders.outbox import message_send
from reminders.rendering import tracking_token
from reminders.tracking import bounces_from_dsn, dsn_process, invoices_not_opened_raise
from tests.reminders.factories import account, invoice, policy
from work.models import Activity, QueueTask

pytestmark = pytest.mark.django_db
D = date(2026, 10, 20)


@pytest.fixture
def sent_message():
    DunningPolicy.objects.all().delete()
    policy(name="Standard", is_default=True)
    customer = account()
    invoice(customer, due=D - timedelta(days=4))
    dunning_run(as_of=D)
    message = OutboundMessage.objects.get()
    message_send(message_id=message.pk)
    message.refresh_from_db()
    return message


def test_open_pixel_marks_message_and_invoices_opened_once(client, sent_message):
    url = reverse("message_open", args=[tracking_token(sent_message.key)])
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    sent_message.refresh_from_db()
    assert sent_message.opened_at is not None
    assert sent_message.invoices.get().opened_at is not None
    assert Activity.objects.filter(customer=sent_message.customer, subject__startswith="Opened").count() == 1


def test_tampered_pixel_token_changes_nothing(client, sent_message):
    response = client.get(reverse("message_open", args=["not-a-token"]))
    assert response.status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.opened_at is None


def test_portal_link_click_is_logged_and_redirects_to_the_portal(client, sent_message):
    response = client.get(reverse("message_click", args=[tracking_token(sent_message.key)]))
    assert response.status_code == 302 and "/portal/" in response["Location"]
    assert Activity.objects.filter(customer=sent_message.customer, subject__startswith="Portal link").exists()


def test_bounce_webhook_needs_the_shared_secret(client, settings, sent_message):
    settings.REMINDERS_BOUNCE_WEBHOOK_SECRET = "s3cret"
    url = reverse("bounce_webhook")
    body = json.dumps({"message_id": sent_message.provider_message_id, "reason": "550 5.1.1 user unknown"})
    assert client.post(url, body, content_type="application/json").status_code == 403
    assert client.post(url, body, content_type="application/json",
                       headers={"X-Webhook-Secret": "wrong"}).status_code == 403
    response = client.post(url, body, content_type="application/json", headers={"X-Webhook-Secret": "s3cret"})
    assert response.json() == {"received": 1, "matched": 1}
    contact = Contact.objects.get(customer=sent_message.customer)
    assert contact.email_bounced_at is not None
    assert QueueTask.objects.get(customer=sent_message.customer).kind == "bounce"
    assert Activity.objects.filter(customer=sent_message.customer, subject__startswith="Bounced").exists()


DSN = """From: MAILER-DAEMON@mx.example.test
To: ar@example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain

This is the mail system. Your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.test

Final-Recipient: rfc822; {to}
Original-Recipient: rfc822; {to}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{to}>: Recipient address rejected

--BOUNDARY
Content-Type: text/rfc822-headers

Message-ID: {mid}
Subject: Payment reminder
To: {to}

--BOUNDARY--
"""


def test_smtp_delivery_status_notification_is_read_and_recorded(sent_message):
    raw = DSN.format(to=sent_message.to_email, mid=sent_message.provider_message_id).encode()
    bounces = bounces_from_dsn(raw)
    assert len(bounces) == 1
    assert bounces[0].message_id == sent_message.provider_message_id
    assert bounces[0].recipient == sent_message.to_email and bounces[0].status == "5.1.1"
    assert dsn_process(raw=raw) == [sent_message]
    sent_message.refresh_from_db()
    assert sent_message.bounced_at is not None
    assert QueueTask.objects.filter(kind="bounce").count() == 1
    dsn_process(raw=raw)  # the same bounce twice raises one task
    assert QueueTask.objects.filter(kind="bounce").count() == 1


def test_invoice_sent_but_not_opened_before_due_raises_one_queue_item():
    customer = account()
    today = timezone.localdate()
    soon = invoice(customer, due=today + timedelta(days=2))
    invoice(customer, due=today + timedelta(days=20))
    type(soon).objects.update(sent_at=timezone.now())
    assert invoices_not_opened_raise(as_of=today) == 1
    assert invoices_not_opened_raise(as_of=today + timedelta(days=1)) == 0
    assert QueueTask.objects.get().kind == "not_opened"
