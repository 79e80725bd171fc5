"""Read paths over the ledger and the collection work that pages, reports and other apps share."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Dispute, Invoice, PromiseToPay


def invoices_blocked_from_dunning() -> QuerySet:
    """Open invoices that must get no reminder: under an open dispute, or covered by an open
    promise to pay whose date has not passed. One query; the reminders app excludes these."""
    today = timezone.localdate()
    return Invoice.objects.filter(
        Q(disputes__status__in=[Dispute.Status.OPEN, Dispute.Status.IN_REVIEW])
        | Q(promises__status=PromiseToPay.Status.OPEN, promises__pay_by__gte=today)
    ).distinct()


def disputed_invoices() -> QuerySet:
    return Invoice.objects.filter(disputes__status__in=[Dispute.Status.OPEN, Dispute.Status.IN_REVIEW]).distinct()
