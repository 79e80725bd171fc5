"""Helpers of the discrepancy tests: invoices and payments made to look alike, and the role table's
objects (tests/portfolios/test_role_table.py)."""

from datetime import date, timedelta
from decimal import Decimal

from ledger.models import Invoice, Payment
from tests.factories import InvoiceFactory
from work.discrepancies.models import Discrepancy
from work.discrepancies.services import discrepancies_scan

ISSUED = date(2026, 9, 1)


def invoice(customer, number: str, amount: str = "4200.00", *, issued: date = ISSUED, po: str = "",
            terms: int | None = None, **kwargs) -> Invoice:
    days = customer.payment_terms_days if terms is None else terms
    return InvoiceFactory(customer=customer, external_id=number, amount=Decimal(amount), issue_date=issued,
                          due_date=issued + timedelta(days=days), po_number=po, **kwargs)


def payment(customer, number: str, amount: str = "900.00", *, received: date = ISSUED, reference: str = "",
            **kwargs) -> Payment:
    return Payment.objects.create(customer=customer, external_id=number, amount=Decimal(amount),
                                  unapplied_amount=Decimal(amount), currency=customer.currency,
                                  received_date=received, reference=reference, **kwargs)


def duplicate_pair(customer, prefix: str = "INV-1001") -> Discrepancy:
    """Two invoices three days apart for the same amount, flagged; returns the flag."""
    first = invoice(customer, prefix)
    second = invoice(customer, f"{prefix}A", issued=ISSUED + timedelta(days=3))
    discrepancies_scan(invoice_ids=[first.pk, second.pk])
    return Discrepancy.objects.get(kind=Discrepancy.Kind.DUPLICATE_INVOICE, invoice=second)


def role_table_kwargs(side: dict) -> dict:
    """The decision URLs name a flag on the side's customer (made on first use in the test)."""
    customer = side["customer"]
    flag = Discrepancy.objects.filter(customer=customer).first() or duplicate_pair(customer, f"RT-{customer.pk}")
    return {name: {"pk": flag.pk} for name in ("discrepancy_confirm", "discrepancy_dismiss")}
