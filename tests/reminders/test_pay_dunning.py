"""Online payments and dunning: money on its way (a bank transfer, a direct debit still clearing)
pauses the reminders of its invoices; a failure resumes them; a success pays the invoices, which
drop out of the next pass by themselves."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger.models import Payment
from ledger.services import payment_receive
from payments.models import PaymentRequest, PaymentRequestLine
from reminders.dunning import dunning_plan
from reminders.eligibility import invoices_blocked_from_dunning, invoices_still_reminded
from reminders.models import DunningPolicy, OutboundMessage
from tests.reminders.factories import account, invoice, policy

pytestmark = pytest.mark.django_db
D = date(2026, 10, 20)


@pytest.fixture(autouse=True)
def _standard_policy():
    DunningPolicy.objects.all().delete()
    return policy(name="Standard", is_default=True)


def request_for(customer, invoices, status) -> PaymentRequest:
    total = sum((i.open_amount for i in invoices), Decimal("0.00"))
    request = PaymentRequest.objects.create(key=f"checkout:{customer.pk}:{status}", customer=customer,
                                            provider="sandbox", amount=total, currency="USD", status=status)
    for i in invoices:
        PaymentRequestLine.objects.create(request=request, invoice=i, amount=i.open_amount)
    return request


def reminded(on: date) -> set[int]:
    return {line.invoice_id for lines in dunning_plan(on).emails.values() for line in lines}


def test_a_pending_payment_pauses_dunning_and_a_failure_resumes_it():
    customer = account()
    paying, other = invoice(customer, due=D - timedelta(days=4)), invoice(customer, due=D - timedelta(days=5))
    request = request_for(customer, [paying], PaymentRequest.Status.PENDING)
    assert reminded(D) == {other.pk}
    assert set(invoices_blocked_from_dunning()) == {paying}

    PaymentRequest.objects.filter(pk=request.pk).update(status=PaymentRequest.Status.FAILED)
    assert reminded(D) == {paying.pk, other.pk}


def test_an_open_checkout_does_not_pause_dunning():
    customer = account()
    looked = invoice(customer, due=D - timedelta(days=4))
    request_for(customer, [looked], PaymentRequest.Status.OPEN)
    assert reminded(D) == {looked.pk}


def test_a_payment_that_went_pending_after_the_pass_cancels_the_reminder_at_send_time():
    customer = account()
    paying = invoice(customer, due=D - timedelta(days=4))
    request_for(customer, [paying], PaymentRequest.Status.PENDING)
    assert invoices_still_reminded([paying]) == []


def test_a_paid_online_payment_leaves_the_invoices_out_of_tomorrows_pass(run_dunning, ledger_balances):
    customer = account()
    paid, other = invoice(customer, due=D - timedelta(days=4)), invoice(customer, due=D - timedelta(days=5))
    request = request_for(customer, [paid], PaymentRequest.Status.SUCCEEDED)
    payment = payment_receive(customer=customer, external_id=request.external_id, received_date=D, amount=paid.amount,
                              currency="USD", applications=[(paid, paid.amount)], source=Payment.Source.ONLINE)
    PaymentRequest.objects.filter(pk=request.pk).update(payment=payment)
    ledger_balances()
    assert reminded(D + timedelta(days=1)) == {other.pk}
    run_dunning(D + timedelta(days=1))
    message = OutboundMessage.objects.get(kind=OutboundMessage.Kind.DUNNING)
    assert set(message.invoices.all()) == {other}


def test_the_pending_rule_is_one_query_in_the_plan(django_assert_max_num_queries):
    customers = [account() for _ in range(5)]
    invoices = [invoice(customers[i % 5], due=D - timedelta(days=i % 40)) for i in range(100)]
    for n, customer in enumerate(customers):
        request_for(customer, [invoices[n]], PaymentRequest.Status.PENDING)
    with django_assert_max_num_queries(8):
        plan = dunning_plan(D)
    assert plan.invoices_blocked == 5
