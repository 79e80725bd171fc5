"""Read paths over the collection work that the queue, reminders, reports and the portal share."""

from django.db.models import Exists, OuterRef, QuerySet

from ledger.models import Invoice
from work.models import Dispute

# A dispute still being worked: it stops the reminders of its invoices.
OPEN_DISPUTE = (Dispute.Status.OPEN, Dispute.Status.IN_REVIEW)


def invoice_disputed(invoice_ref: str = "pk") -> Exists:
    """EXISTS an open or in-review dispute over the invoice `invoice_ref` names in the outer query."""
    return Exists(Dispute.objects.filter(invoices=OuterRef(invoice_ref), status__in=OPEN_DISPUTE))


def disputed_invoices() -> QuerySet[Invoice]:
    """Invoices under an open or in-review dispute (whatever their status)."""
    return Invoice.objects.filter(invoice_disputed())
