"""Read paths over the ledger and the collection work that pages, reports and other apps share."""

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from ledger.models import Invoice
from work.models import PromiseToPay
from work.plans.models import PaymentPlan
from work.selectors import invoice_disputed


def invoices_blocked_from_dunning() -> QuerySet:
    """Open invoices that must get no reminder: under an open (or in-review) dispute, covered by
    an open promise to pay whose date has not passed, or in a payment plan on track. One query, no
    DISTINCT (EXISTS subqueries), so the reminders app can exclude it from its candidates:
    `candidates.exclude(pk__in=invoices_blocked_from_dunning().values("pk"))`."""
    today = timezone.localdate()
    promised = PromiseToPay.objects.filter(invoices=OuterRef("pk"), status=PromiseToPay.Status.OPEN, pay_by__gte=today)
    # A payment plan on track pauses dunning; once an installment is missed (broken) it resumes.
    planned = PaymentPlan.objects.filter(invoices=OuterRef("pk"), status=PaymentPlan.Status.ACTIVE)
    return Invoice.objects.filter(status=Invoice.Status.OPEN).filter(
        invoice_disputed() | Exists(promised) | Exists(planned)
    )
