"""Ledger scenarios for report tests, written through the ledger services (never raw saves of money)."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from ledger.models import FxRate
from ledger.services import credit_note_issue, invoice_issue, payment_receive
from tests.factories import CustomerFactory
from work.models import Dispute, PromiseToPay
from work.services import dispute_open, promise_record

_numbers = count(1)


def d(text: str) -> date:
    return date.fromisoformat(text)


def issue(customer, issued: str, amount: str, *, due: str | None = None, currency: str = "USD", terms: int = 30):
    issued_on = d(issued)
    return invoice_issue(
        customer=customer, external_id=f"R-INV-{next(_numbers)}", issue_date=issued_on,
        due_date=d(due) if due else issued_on + timedelta(days=terms), amount=Decimal(amount), currency=currency,
    )


def pay(customer, received: str, amount: str, *applications, currency: str = "USD"):
    """applications: (invoice, amount) pairs applied on the received date; the rest stays unapplied."""
    return payment_receive(
        customer=customer, external_id=f"R-PAY-{next(_numbers)}", received_date=d(received), amount=Decimal(amount),
        currency=currency, applications=[(invoice, Decimal(value)) for invoice, value in applications],
    )


def credit(customer, issued: str, amount: str, invoice=None, currency: str = "USD"):
    return credit_note_issue(
        customer=customer, external_id=f"R-CN-{next(_numbers)}", issue_date=d(issued), amount=Decimal(amount),
        currency=currency, invoice=invoice,
    )


def promise(customer, pay_by: str, amount: str, invoices, made_on: str):
    made = promise_record(customer=customer, amount=Decimal(amount), pay_by=d(pay_by), invoices=invoices)
    PromiseToPay.objects.filter(pk=made.pk).update(created_at=f"{made_on}T12:00:00Z")
    return made


def dispute(customer, invoices, root_cause: str, opened_on: str, resolved_on: str | None = None):
    opened = dispute_open(customer=customer, invoices=invoices, amount=sum(i.amount for i in invoices),
                          root_cause=root_cause)
    fields = {"opened_on": d(opened_on)}
    if resolved_on:
        fields.update(status=Dispute.Status.RESOLVED, resolved_on=d(resolved_on),
                      resolution=Dispute.Resolution.CUSTOMER_PAYS)
    Dispute.objects.filter(pk=opened.pk).update(**fields)
    return opened


def rate(currency: str, on: str, value: str):
    return FxRate.objects.create(currency=currency, rate_date=d(on), rate=Decimal(value))


def worked_example(portfolio=None):
    """The METRICS.md worked example: C1 and C2, six invoices, three payments (and the promise and
    the dispute of its forecast paragraph)."""
    c1 = CustomerFactory(name="C1", portfolio=portfolio)
    c2 = CustomerFactory(name="C2", portfolio=portfolio)
    i1 = issue(c1, "2026-07-10", "1000.00", due="2026-08-09")
    i2 = issue(c1, "2026-08-05", "2000.00", due="2026-09-04")
    i3 = issue(c2, "2026-08-20", "1500.00", due="2026-09-19")
    i4 = issue(c2, "2026-09-02", "800.00", due="2026-10-02")
    i5 = issue(c1, "2026-09-15", "1200.00", due="2026-10-15")
    i6 = issue(c2, "2026-09-25", "500.00", due="2026-10-25")
    pay(c1, "2026-08-20", "1000.00", (i1, "1000.00"))
    pay(c1, "2026-09-10", "500.00", (i2, "500.00"))
    pay(c2, "2026-09-25", "1500.00", (i3, "1500.00"))
    promise(c1, "2026-10-08", "1500.00", [i2], made_on="2026-09-29")
    dispute(c2, [i6], "pricing", opened_on="2026-09-28")
    return {"C1": c1, "C2": c2, "I1": i1, "I2": i2, "I3": i3, "I4": i4, "I5": i5, "I6": i6}
