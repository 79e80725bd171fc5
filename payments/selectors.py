"""Reads of online payments for the packages above (portal, autopay, reminders)."""

from django.db.models import QuerySet

from ledger.models import Customer, Invoice
from payments.models import PaymentRequest, SavedMethod


def invoices_payment_pending() -> QuerySet[Invoice]:
    """Open invoices on a request whose money is still clearing (bank transfer, direct debit):
    dunning leaves them alone until the request succeeds or fails. An open checkout does not
    count: a customer who looked at the page and left is still reminded."""
    return Invoice.objects.filter(
        status=Invoice.Status.OPEN,
        payment_request_lines__request__status=PaymentRequest.Status.PENDING,
    ).distinct()


def requests_for(customer: Customer) -> QuerySet[PaymentRequest]:
    return PaymentRequest.objects.filter(customer=customer).prefetch_related("lines__invoice")


def saved_methods(customer: Customer) -> QuerySet[SavedMethod]:
    """Active methods only: a revoked card or mandate is never charged again."""
    return SavedMethod.objects.filter(customer=customer, status=SavedMethod.Status.ACTIVE)
