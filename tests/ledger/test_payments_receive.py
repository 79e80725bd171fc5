"""`payments_receive`: many payments in one bulk write, with the checks `payment_receive` makes on one."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from ledger.models import Application, Invoice, LedgerTouch, Payment
from ledger.services import (
    LedgerError,
    Receipt,
    invoice_void,
    invoices_lock,
    payment_receive,
    payments_receive,
)
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

ON = date(2026, 11, 20)


def _receipt(customer, external_id, amount, applications=(), **kwargs):
    return Receipt(customer=customer, external_id=external_id, received_date=kwargs.pop("on", ON),
                   amount=Decimal(amount), currency=kwargs.pop("currency", "USD"),
                   applications=[(i, Decimal(a)) for i, a in applications], source=Payment.Source.BANK, **kwargs)


def _state(invoices):
    return [(i.open_amount, i.status, i.closed_on) for i in Invoice.objects.filter(pk__in=[x.pk for x in invoices])
            .order_by("pk")]


def test_the_same_books_as_one_payment_at_a_time(ledger_balances):
    """The bulk write leaves exactly what the one-at-a-time service leaves, payment by payment."""
    books = []
    for bulk in (False, True):
        customer = CustomerFactory()
        a, b, c = (InvoiceFactory(customer=customer, amount=Decimal(x)) for x in ("100.00", "250.00", "80.00"))
        plan = [(f"P{bulk}-1", "150.00", [(a, "100.00"), (b, "50.00")]),
                (f"P{bulk}-2", "230.00", [(b, "200.00")]),  # leaves 30.00 unapplied
                (f"P{bulk}-3", "20.00", [(c, "20.00")]),
                (f"P{bulk}-4", "5.00", [])]
        if bulk:
            payments = payments_receive([_receipt(customer, e, amt, apps) for e, amt, apps in plan])
        else:
            payments = [payment_receive(customer=customer, external_id=e, received_date=ON, amount=Decimal(amt),
                                        currency="USD", applications=[(i, Decimal(x)) for i, x in apps],
                                        source=Payment.Source.BANK) for e, amt, apps in plan]
        assert all(p.pk for p in payments)
        fresh = [Payment.objects.get(pk=p.pk) for p in payments]
        books.append(([(p.amount, p.unapplied_amount, p.source) for p in fresh], _state([a, b, c]),
                      sorted((x.amount, x.applied_on)
                             for x in Application.objects.filter(payment__in=fresh))))
        assert [p.unapplied_amount for p in payments] == [p.unapplied_amount for p in fresh]
    assert books[0] == books[1]
    assert books[1][1] == [(Decimal("0.00"), Invoice.Status.PAID, ON), (Decimal("0.00"), Invoice.Status.PAID, ON),
                           (Decimal("60.00"), Invoice.Status.OPEN, None)]
    assert LedgerTouch.objects.filter(since=ON).exists()
    ledger_balances()


def test_what_one_payment_applies_is_off_the_invoice_for_the_next():
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=Decimal("100.00"))
    with pytest.raises(LedgerError, match="more than the 40.00 open"):
        payments_receive([_receipt(customer, "X1", "60.00", [(invoice, "60.00")]),
                          _receipt(customer, "X2", "60.00", [(invoice, "60.00")])])
    # All or nothing: the first payment is not left behind.
    assert not Payment.objects.filter(external_id__in=["X1", "X2"]).exists()
    assert Invoice.objects.get(pk=invoice.pk).open_amount == Decimal("100.00")


@pytest.mark.parametrize("case, message", [
    ("other_customer", "belongs to another customer"),
    ("currency", "is in EUR"),
    ("void", "is void"),
    ("more_than_received", "more than the 50.00 received"),
    ("negative", "must be positive"),
    ("too_many_decimals", "more than two decimals"),
    ("date", "not a plausible date"),
])
def test_each_check_of_one_payment_holds_in_bulk(case, message):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=Decimal("100.00"))
    receipt = _receipt(customer, "Y1", "50.00", [(invoice, "50.00")])
    if case == "other_customer":
        receipt = _receipt(CustomerFactory(), "Y1", "50.00", [(invoice, "50.00")])
    elif case == "currency":
        receipt = _receipt(customer, "Y1", "50.00", [(invoice, "50.00")], currency="EUR")
    elif case == "void":
        invoice_void(invoice=invoice, reason="test")
    elif case == "more_than_received":
        receipt = _receipt(customer, "Y1", "50.00", [(invoice, "60.00")])
    elif case == "negative":
        receipt = _receipt(customer, "Y1", "-5.00")
    elif case == "too_many_decimals":
        receipt = _receipt(customer, "Y1", "5.001")
    elif case == "date":
        receipt = _receipt(customer, "Y1", "50.00", on=date(1999, 1, 1))
    good = _receipt(customer, "Y0", "10.00")
    with pytest.raises(LedgerError, match=message):
        payments_receive([good, receipt])
    assert not Payment.objects.filter(external_id__in=["Y0", "Y1"]).exists()


def test_a_family_members_invoice_may_be_paid():
    head = CustomerFactory()
    member = CustomerFactory(parent=head)
    invoice = InvoiceFactory(customer=member, amount=Decimal("70.00"))
    [payment] = payments_receive([_receipt(head, "F1", "70.00", [(invoice, "70.00")])])
    assert payment.unapplied_amount == 0
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID


def test_a_few_queries_for_many_payments(django_assert_max_num_queries):
    customer = CustomerFactory()
    invoices = [InvoiceFactory(customer=customer, amount=Decimal("10.00")) for _ in range(40)]
    with django_assert_max_num_queries(16):  # a fixed number per 500 invoices
        payments_receive([_receipt(customer, f"Q{n}", "10.00", [(i, "10.00")]) for n, i in enumerate(invoices)])
    assert Invoice.objects.filter(pk__in=[i.pk for i in invoices], status=Invoice.Status.PAID).count() == 40


def test_invoices_locked_by_the_caller_are_read_once_and_checked_the_same(django_assert_num_queries):
    """A webhook's payment reads what is open before it says what it applies: the ledger posts
    from those locked rows (no second read) and still refuses more than is open."""
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=Decimal("60.00"))
    with transaction.atomic():
        locked = invoices_lock([invoice.pk])
        with django_assert_num_queries(6):  # savepoint, payment, application, invoice, touch, release: no SELECT
            payments_receive([_receipt(customer, "L1", "40.00", [(invoice, "40.00")])], locked=locked)
        with pytest.raises(LedgerError, match="more than the 20.00 open"):
            payments_receive([_receipt(customer, "L2", "30.00", [(invoice, "30.00")])], locked=locked)
    assert _state([invoice]) == [(Decimal("20.00"), Invoice.Status.OPEN, None)]


def test_locked_invoices_come_from_invoices_lock():
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=Decimal("60.00"))
    with transaction.atomic(), pytest.raises(LedgerError, match="come from invoices_lock"):
        payments_receive([_receipt(customer, "L3", "10.00", [(invoice, "10.00")])],
                         locked={invoice.pk: invoice})  # type: ignore[arg-type]
    assert not Payment.objects.filter(external_id="L3").exists()
