"""Receipts: one email per paid request, whatever started it, listing what it paid; and a notice
when money that was on its way fails after all (never for autopay, which tells its own)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from ledger.models import Contact, Payment
from ledger.services import payment_receive
from payments import signals
from payments.models import PaymentRequest, PaymentRequestLine
from reminders.models import OutboundMessage
from reminders.payment_notices import failure_key, receipt_key
from tests.reminders.factories import account, invoice

pytestmark = pytest.mark.django_db
TODAY = date.today()


def paid_request(customer, invoices, *, origin="portal", overpaid=Decimal("0.00")) -> PaymentRequest:
    total = sum((i.open_amount for i in invoices), Decimal("0.00"))
    request = PaymentRequest.objects.create(key=f"checkout:{customer.pk}:{origin}", customer=customer,
                                            provider="sandbox", amount=total + overpaid, currency="USD",
                                            status=PaymentRequest.Status.SUCCEEDED, origin=origin,
                                            settled_at=timezone.now())
    for i in invoices:
        PaymentRequestLine.objects.create(request=request, invoice=i, amount=i.open_amount)
    request.payment = payment_receive(customer=customer, external_id=request.external_id, received_date=TODAY,
                                      amount=request.amount, currency="USD", source=Payment.Source.ONLINE,
                                      applications=[(i, i.open_amount) for i in invoices])
    request.save(update_fields=["payment"])
    return request


def send(signal, request, capture, **kwargs):
    with capture(execute=True):
        signal.send(sender="payments", request=request, **kwargs)


@pytest.mark.parametrize("origin", ["portal", "email", "statement", "autopay"])
def test_a_paid_request_gets_one_receipt_whatever_started_it(origin, django_capture_on_commit_callbacks,
                                                             ledger_balances):
    customer = account()
    a, b = invoice(customer, due=TODAY - timedelta(days=3), amount="800.00"), invoice(customer, due=TODAY,
                                                                                      amount="400.00")
    request = paid_request(customer, [a, b], origin=origin)
    ledger_balances()
    send(signals.payment_succeeded, request, django_capture_on_commit_callbacks)
    send(signals.payment_succeeded, request, django_capture_on_commit_callbacks)  # a replay, a retried task
    message = OutboundMessage.objects.get(key=receipt_key(request))
    assert message.status == OutboundMessage.Status.SENT
    assert set(message.invoices.all()) == {a, b}
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [f"ap@{customer.external_id.lower()}.test"]
    assert "1,200.00 USD" in email.subject
    assert a.external_id in email.body and "800.00 USD" in email.body
    assert b.external_id in email.body and "400.00 USD" in email.body
    assert request.external_id in email.body


def test_the_receipt_says_what_was_left_over_as_credit(django_capture_on_commit_callbacks):
    customer = account()
    a = invoice(customer, due=TODAY, amount="500.00")
    request = paid_request(customer, [a], overpaid=Decimal("120.00"))
    send(signals.payment_succeeded, request, django_capture_on_commit_callbacks)
    assert "120.00 USD of it was more than was still open" in mail.outbox[0].body


def test_a_customer_without_an_email_contact_gets_no_receipt(django_capture_on_commit_callbacks):
    customer = account(email=False)
    request = paid_request(customer, [invoice(customer, due=TODAY)])
    send(signals.payment_succeeded, request, django_capture_on_commit_callbacks)
    assert not OutboundMessage.objects.exists() and not mail.outbox


def failed_request(customer, invoices, origin="portal") -> PaymentRequest:
    request = PaymentRequest.objects.create(
        key=f"checkout:{customer.pk}:failed:{origin}", customer=customer, provider="sandbox",
        amount=sum((i.open_amount for i in invoices), Decimal("0.00")), currency="USD", origin=origin,
        status=PaymentRequest.Status.FAILED, failure_reason="the debit was returned (insufficient funds)")
    for i in invoices:
        PaymentRequestLine.objects.create(request=request, invoice=i, amount=i.open_amount)
    return request


def test_a_payment_that_fails_after_pending_is_told_with_a_pay_link(django_capture_on_commit_callbacks):
    customer = account()
    a = invoice(customer, due=TODAY - timedelta(days=10), amount="900.00")
    request = failed_request(customer, [a])
    send(signals.payment_failed, request, django_capture_on_commit_callbacks, previous_status="pending")
    send(signals.payment_failed, request, django_capture_on_commit_callbacks)  # payments' own form: a checkout
    message = OutboundMessage.objects.get(key=failure_key(request))
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "did not go through after all" in body and "insufficient funds" in body
    assert a.external_id in body and f"?invoices={a.pk}&from=email" in body
    assert list(message.invoices.all()) == [a]


def test_no_failure_notice_for_a_decline_at_the_checkout_or_for_autopay(django_capture_on_commit_callbacks):
    customer = account()
    a = invoice(customer, due=TODAY, amount="900.00")
    send(signals.payment_failed, failed_request(customer, [a]), django_capture_on_commit_callbacks,
         previous_status="open")
    send(signals.payment_failed, failed_request(customer, [a], origin="autopay"), django_capture_on_commit_callbacks,
         previous_status="pending")
    assert not OutboundMessage.objects.exists()


def test_receipts_go_to_the_reminder_contact_not_a_bounced_one(django_capture_on_commit_callbacks):
    customer = account()
    Contact.objects.filter(customer=customer).update(email_bounced_at=timezone.now())
    good = Contact.objects.create(customer=customer, name="Pat", email="pat@example.test", role=Contact.Role.AP_CLERK)
    request = paid_request(customer, [invoice(customer, due=TODAY)])
    send(signals.payment_succeeded, request, django_capture_on_commit_callbacks)
    assert mail.outbox[0].to == [good.email]
    assert mail.outbox[0].body.startswith("Dear Pat,")
