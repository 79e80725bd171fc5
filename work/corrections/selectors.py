"""Reads of ledger corrections shared by the account's corrections page and the pending list: the
corrections themselves, and the documents each kind of correction may take."""

from django.db.models import Exists, F, OuterRef, QuerySet

from ledger.models import Customer, Invoice, Payment
from work.corrections.models import LedgerCorrection

_ROWS = ("payment", "invoice", "requested_by", "decided_by")


def account_corrections(customer: Customer) -> QuerySet[LedgerCorrection]:
    """Every correction of the account, newest first, with its document and people (one query)."""
    return LedgerCorrection.objects.filter(customer=customer).select_related(*_ROWS).order_by("-requested_at", "-pk")


def pending_corrections(customers: QuerySet[Customer]) -> QuerySet[LedgerCorrection]:
    """Requests waiting for a second manager among `customers`, oldest first (one query)."""
    return (LedgerCorrection.objects.filter(status=LedgerCorrection.Status.REQUESTED, customer__in=customers)
            .select_related("customer", *_ROWS).order_by("requested_at", "pk"))


def _pending(kind: str, document: str) -> Exists:
    return Exists(LedgerCorrection.objects.filter(
        kind=kind, status=LedgerCorrection.Status.REQUESTED, **{document: OuterRef("pk")}))


def reversible_payments(customer: Customer) -> QuerySet[Payment]:
    """The account's posted payments that no request is already waiting to reverse, newest first."""
    return (Payment.objects.filter(customer=customer, status=Payment.Status.POSTED)
            .exclude(_pending(LedgerCorrection.Kind.PAYMENT_REVERSAL, "payment"))
            .order_by("-received_date", "-pk"))


def invoices_to_write_off(customer: Customer) -> QuerySet[Invoice]:
    """The account's invoices with something still open, oldest due first."""
    return (Invoice.objects.filter(customer=customer, status=Invoice.Status.OPEN, open_amount__gt=0)
            .order_by("due_date", "pk"))


def voidable_invoices(customer: Customer) -> QuerySet[Invoice]:
    """The account's open invoices that nothing reduced yet (no cash, credit or write-off on them)
    and that no request is already waiting to void, oldest due first."""
    return (Invoice.objects.filter(customer=customer, status=Invoice.Status.OPEN, open_amount=F("amount"))
            .exclude(_pending(LedgerCorrection.Kind.INVOICE_VOID, "invoice"))
            .order_by("due_date", "pk"))
