from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from ledger import services
from ledger.models import Application, Invoice, Payment
from ledger.services import LedgerError
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_payment_applied_to_two_invoices_leaves_the_rest_unapplied(ledger_balances):
    customer = CustomerFactory()
    first, second = InvoiceFactory(customer=customer), InvoiceFactory(customer=customer, amount=D("500.00"))
    payment = services.payment_receive(
        customer=customer, external_id="P1", received_date=date(2026, 10, 5), amount="1700.00",
        currency="USD", applications=[(first, D("1000.00")), (second, D("300.00"))],
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.open_amount, first.status, first.closed_on) == (D("0.00"), "paid", date(2026, 10, 5))
    assert (second.open_amount, second.status) == (D("200.00"), "open")
    assert payment.unapplied_amount == D("400.00")
    ledger_balances()


def test_unapplied_cash_and_credit_applied_later(ledger_balances):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=D("900.00"))
    payment = services.payment_receive(
        customer=customer, external_id="P2", received_date=date(2026, 10, 1), amount="250.00", currency="USD"
    )
    credit = services.credit_note_issue(
        customer=customer, external_id="CN1", issue_date=date(2026, 10, 2), amount="100.00", currency="USD"
    )
    services.payment_apply(payment=payment, invoice=invoice, amount="250.00", on=date(2026, 10, 3))
    services.credit_note_apply(credit_note=credit, invoice=invoice, amount="60.00", on=date(2026, 10, 4))
    invoice.refresh_from_db()
    credit.refresh_from_db()
    assert invoice.open_amount == D("590.00")
    assert credit.unapplied_amount == D("40.00")
    ledger_balances()


def test_write_off_then_reversal_and_void_keep_every_row(ledger_balances):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer)
    services.invoice_write_off(invoice=invoice, amount="1000.00", reason="Uncollectable", on=date(2026, 11, 1))
    invoice.refresh_from_db()
    assert invoice.status == "paid" and invoice.closed_on == date(2026, 11, 1)

    wrong = InvoiceFactory(customer=customer)
    payment = services.payment_receive(
        customer=customer, external_id="P3", received_date=date(2026, 10, 1), amount="1000.00",
        currency="USD", applications=[(wrong, D("1000.00"))],
    )
    application = Application.objects.get(payment=payment)
    services.application_reverse(application=application, on=date(2026, 10, 2))
    services.invoice_void(invoice=wrong, reason="Raised twice")
    wrong.refresh_from_db()
    payment.refresh_from_db()
    assert wrong.status == "void" and wrong.open_amount == 0
    assert payment.unapplied_amount == D("1000.00")
    assert Application.objects.filter(invoice=wrong).count() == 2
    ledger_balances()


def test_reversed_payment_reopens_its_invoices(ledger_balances):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer)
    payment = services.payment_receive(
        customer=customer, external_id="P4", received_date=date(2026, 10, 1), amount="1000.00",
        currency="USD", applications=[(invoice, D("1000.00"))],
    )
    services.payment_reverse(payment=payment, reason="Cheque bounced", on=date(2026, 10, 9))
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert invoice.open_amount == D("1000.00") and invoice.status == "open" and invoice.closed_on is None
    assert payment.status == "reversed" and payment.unapplied_amount == 0
    ledger_balances()


@pytest.mark.parametrize(
    "amount, message",
    [("1000.01", "more than"), ("-5.00", "positive"), ("10.001", "decimals")],
)
def test_bad_applications_are_refused_and_write_nothing(amount, message):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer)
    payment = services.payment_receive(
        customer=customer, external_id="P5", received_date=date(2026, 10, 1), amount="2000.00", currency="USD"
    )
    with pytest.raises(LedgerError, match=message):
        services.payment_apply(payment=payment, invoice=invoice, amount=amount)
    assert not Application.objects.exists()
    assert Payment.objects.get().unapplied_amount == D("2000.00")


def test_cash_cannot_pay_another_customers_invoice():
    payment = services.payment_receive(
        customer=CustomerFactory(), external_id="P6", received_date=date(2026, 10, 1), amount="10.00", currency="USD"
    )
    with pytest.raises(LedgerError, match="another customer"):
        services.payment_apply(payment=payment, invoice=InvoiceFactory(), amount="10.00")


def test_family_cash_can_pay_a_sibling_invoice(ledger_balances):
    parent = CustomerFactory()
    child = CustomerFactory(parent=parent)
    invoice = InvoiceFactory(customer=child)
    payment = services.payment_receive(
        customer=parent, external_id="P7", received_date=date(2026, 10, 1), amount="1000.00", currency="USD"
    )
    services.payment_apply(payment=payment, invoice=invoice, amount="1000.00")
    ledger_balances()


def test_check_ledger_fails_on_a_tampered_balance():
    invoice = InvoiceFactory()
    Invoice.objects.filter(pk=invoice.pk).update(open_amount=D("999.99"))
    with pytest.raises(CommandError, match="does not balance"):
        call_command("check_ledger")
