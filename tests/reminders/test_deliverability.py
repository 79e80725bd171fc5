"""Deliverability: the suppression list (hard bounces, complaints), honoured before every send;
DKIM signing; Auto-Submitted and threading headers."""

import base64
import shutil
import subprocess
from datetime import date, timedelta

import dkim
import pytest
from django.core import mail

from ledger.models import Contact
from reminders import outbox
from reminders.deliverability import address_suppress, complaint_from_arf, is_suppressed
from reminders.dunning import dunning_run
from reminders.models import DunningPolicy, InvoiceStepSent, OutboundMessage, Suppression
from reminders.outbox import message_queue, message_send
from reminders.tracking import arf_process, bounce_record, dsn_process
from tests.reminders.factories import account, invoice, policy
from work.models import QueueTask

pytestmark = pytest.mark.django_db
D = date(2026, 10, 20)

DSN = """From: MAILER-DAEMON@mx.example.test
To: ar@example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain

Your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.test

Final-Recipient: rfc822; {to}
Action: failed
Status: {status}
Diagnostic-Code: smtp; {code} {status} <{to}>: {why}

--BOUNDARY
Content-Type: text/rfc822-headers

Message-ID: {mid}
Subject: Payment reminder
To: {to}

--BOUNDARY--
"""

ARF = """From: abuse@isp.example.test
To: ar@example.com
Subject: FW: Payment reminder
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"

--ARF
Content-Type: text/plain

This is an email abuse report for an email message received from our customer.

--ARF
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeISP-FBL/1.0
Version: 1
Original-Rcpt-To: {to}

--ARF
Content-Type: message/rfc822

Message-ID: {mid}
From: ar@example.com
To: {to}
Subject: Payment reminder

Please pay.
--ARF--
"""


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
    assert message.status == "sent"
    return message


def dsn(message, status="5.1.1", code=550, why="Recipient address rejected") -> bytes:
    return DSN.format(to=message.to_email, mid=message.provider_message_id, status=status, code=code,
                      why=why).encode()


def another(message, key="manual:again", kind=OutboundMessage.Kind.MANUAL) -> OutboundMessage:
    queued, _ = message_queue(customer=message.customer, kind=kind, key=key, contact=message.contact,
                              subject="Following up", body="Hello again", dispatch=False)
    return queued


def test_a_hard_bounce_suppresses_and_the_next_send_fails_with_a_task(sent_message):
    dsn_process(raw=dsn(sent_message))
    suppression = Suppression.objects.get()
    assert suppression.address == sent_message.to_email.lower() and suppression.reason == "hard_bounce"
    assert "5.1.1" in suppression.detail
    assert is_suppressed(sent_message.to_email.upper())
    mail.outbox.clear()
    for n in (1, 2):  # two messages to the address: both fail, one task
        message = message_send(message_id=another(sent_message, key=f"manual:again:{n}").pk)
        assert message.status == "failed" and message.error.startswith("Not sent: address suppressed: ")
        assert sent_message.to_email.lower() in message.error
    assert mail.outbox == []
    task = QueueTask.objects.get(kind=QueueTask.Kind.ADDRESS_SUPPRESSED)
    assert task.title.startswith("Address bounced: find another contact")
    assert task.key == f"suppressed:{sent_message.customer_id}:{sent_message.to_email.lower()}"


def test_a_soft_bounce_suppresses_nothing(sent_message):
    dsn_process(raw=dsn(sent_message, status="4.2.2", code=452, why="Mailbox full"))
    assert not Suppression.objects.exists()
    assert Contact.objects.get(pk=sent_message.contact_id).email_bounced_at is None
    assert not QueueTask.objects.filter(kind__in=["bounce", "suppressed"]).exists()
    sent_message.refresh_from_db()
    assert sent_message.bounced_at is not None  # recorded all the same
    assert message_send(message_id=another(sent_message).pk).status == "sent"


def test_a_webhook_bounce_is_hard_or_soft_by_the_code_in_its_reason(sent_message):
    bounce_record(message_id=sent_message.provider_message_id, reason="452 4.2.2 mailbox full")
    assert not Suppression.objects.exists()
    second = another(sent_message)
    message_send(message_id=second.pk)
    second.refresh_from_db()
    bounce_record(message_id=second.provider_message_id, reason="550 5.1.1 user unknown")
    assert Suppression.objects.get().reason == "hard_bounce"


def test_a_complaint_suppresses_the_address(sent_message):
    raw = ARF.format(to=sent_message.to_email, mid=sent_message.provider_message_id).encode()
    complaint = complaint_from_arf(raw)
    assert complaint.recipient == sent_message.to_email and complaint.feedback_type == "abuse"
    assert complaint.message_id == sent_message.provider_message_id
    assert arf_process(raw=raw) == sent_message
    assert Suppression.objects.get().reason == "complaint"
    assert QueueTask.objects.filter(kind=QueueTask.Kind.ADDRESS_SUPPRESSED).count() == 1
    assert message_send(message_id=another(sent_message).pk).status == "failed"
    assert QueueTask.objects.filter(kind=QueueTask.Kind.ADDRESS_SUPPRESSED).count() == 1  # the same task
    assert complaint_from_arf(dsn(sent_message)) is None  # a bounce is not a complaint


def test_a_suppressed_reminder_is_sent_to_another_contact_at_the_next_pass(sent_message):
    customer = sent_message.customer
    late = invoice(customer, due=D - timedelta(days=3))
    dunning_run(as_of=D + timedelta(days=1))  # queued to the first clerk…
    refused = OutboundMessage.objects.filter(customer=customer).exclude(pk=sent_message.pk).get()
    address_suppress(address=sent_message.to_email, reason=Suppression.Reason.MANUAL, source="admin")
    Contact.objects.create(customer=customer, name="Second clerk", email="second@example.test",
                           role=Contact.Role.AP_CLERK)
    assert message_send(message_id=refused.pk).status == "failed"  # …refused at send time, its step forgotten
    assert not InvoiceStepSent.objects.filter(message=refused).exists()
    dunning_run(as_of=D + timedelta(days=2))
    later = OutboundMessage.objects.filter(customer=customer, status="queued").get()
    assert later.to_email == "second@example.test" and late in later.invoices.all()
    assert message_send(message_id=later.pk).status == "sent"


def test_address_suppress_checks_its_input():
    with pytest.raises(ValueError):
        address_suppress(address="a@example.test", reason="bored")
    with pytest.raises(ValueError):
        address_suppress(address=" ", reason="manual")
    first, created = address_suppress(address="A@Example.test", reason="manual")
    again, created_again = address_suppress(address="a@example.test", reason="complaint")
    assert created and not created_again and again == first and again.reason == "manual"


def test_auto_submitted_is_on_reminders_and_not_on_a_collectors_email(sent_message):
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"
    assert "Auto-Submitted: auto-generated" in mail.outbox[0].message().as_string()
    manual = another(sent_message)
    message_send(message_id=manual.pk)
    assert "Auto-Submitted" not in mail.outbox[1].extra_headers
    assert "Auto-Submitted" not in mail.outbox[1].message().as_string()


def test_threading_headers_and_the_html_part_come_from_the_row(sent_message):
    reply = another(sent_message, key="reply:1", kind=OutboundMessage.Kind.REPLY)
    OutboundMessage.objects.filter(pk=reply.pk).update(
        in_reply_to="<theirs@customer.test>", references="<ours@wb.test> <theirs@customer.test>",
        html_body="<p>Hello <b>again</b></p><img src=\"https://wb.test/o/x.gif\">")
    message_send(message_id=reply.pk)
    sent = mail.outbox[-1]
    assert sent.extra_headers["In-Reply-To"] == "<theirs@customer.test>"
    assert sent.extra_headers["References"] == "<ours@wb.test> <theirs@customer.test>"
    assert "Auto-Submitted" not in sent.extra_headers
    assert sent.alternatives[0][0] == "<p>Hello <b>again</b></p><img src=\"https://wb.test/o/x.gif\">"
    assert "In-Reply-To" not in mail.outbox[0].extra_headers  # the reminder answers nothing


@pytest.fixture
def dkim_key(tmp_path):
    openssl = shutil.which("openssl")
    assert openssl, "the DKIM test makes its key with the openssl command"
    key = tmp_path / "dkim.pem"
    subprocess.run([openssl, "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run([openssl, "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True,
                            capture_output=True).stdout
    return key.read_text(), public


def test_dkim_signature_when_a_key_is_configured(settings, sent_message, dkim_key):
    private, public = dkim_key
    assert "DKIM-Signature" not in mail.outbox[0].message().as_string()  # no key, no signature
    settings.DKIM_PRIVATE_KEY, settings.DKIM_SELECTOR, settings.DKIM_DOMAIN = private, "wb2026", "example.com"
    message_send(message_id=another(sent_message).pk)
    raw = mail.outbox[-1].message().as_bytes(linesep="\r\n")
    assert b"DKIM-Signature: " in raw and b"d=example.com" in raw and b"s=wb2026" in raw
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name, timeout=5):
        assert name == b"wb2026._domainkey.example.com."
        return record

    assert dkim.verify(raw, dnsfunc=dns)
    assert not dkim.verify(raw.replace(b"Hello again", b"Hello agian"), dnsfunc=dns)  # the body is covered


def test_the_send_still_honours_suppression_after_a_sweep(sent_message):
    address_suppress(address=sent_message.to_email, reason=Suppression.Reason.HARD_BOUNCE, source="dsn")
    queued = another(sent_message, key="statement:x", kind=OutboundMessage.Kind.STATEMENT)
    outbox.outbox_recover()
    queued.refresh_from_db()
    assert queued.status == "failed" and "address suppressed" in queued.error


def test_our_mail_carries_the_accounts_own_reply_address_when_asked(settings):
    """INBOX_SET_REPLY_TO: the answer goes to ar+<token>@INBOX_REPLY_DOMAIN, matched to this account;
    else to the branding's reply-to address, else to the sender."""
    from django.core import mail as outgoing

    from reminders import outbox
    from reminders.models import Branding
    from reminders.reply_address import customer_id_for_reply_address
    from tests.reminders.factories import account

    customer = account()
    contact = customer.contacts.first()
    message, _ = outbox.message_queue(customer=customer, kind="manual", key="reply-to:1", contact=contact,
                                      subject="Hello", body="Hello", dispatch=False)
    settings.INBOX_SET_REPLY_TO = True
    [address] = outbox._reply_to(message)
    assert address.startswith("ar+") and address.endswith("@" + settings.INBOX_REPLY_DOMAIN)
    assert customer_id_for_reply_address(address) == customer.pk
    assert customer_id_for_reply_address(address.replace("ar+c", "ar+c9")) is None  # another account's: no
    settings.INBOX_SET_REPLY_TO = False
    assert outbox._reply_to(message) == []
    Branding.objects.create(company_name="Northwind", reply_to_email="ar@northwind.example")
    outbox.message_send(message_id=message.pk)
    assert outgoing.outbox[-1].reply_to == ["ar@northwind.example"]
