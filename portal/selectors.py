"""What a portal link may read. Every query is narrowed to the link's accounts here, nowhere else."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ledger.models import CreditNote, Invoice, Payment
from portal.links import PortalLink
from portal.models import PortalRequest
from work.models import Dispute, PromiseToPay
from work.plans.models import PaymentPlan
from work.plans.selectors import LIVE as LIVE_PLAN
from work.plans.selectors import portal_plans
from work.selectors import invoice_disputed

RECENTLY_PAID_DAYS = 90
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
BUCKETS = (
    ("current", _("Current"), None, 0),
    ("d1_30", _("1–30 days"), 1, 30),
    ("d31_60", _("31–60 days"), 31, 60),
    ("d61_90", _("61–90 days"), 61, 90),
    ("d91", _("91+ days"), 91, None),
)


@dataclass
class Balance:
    currency: str
    total: Decimal
    buckets: list[tuple[str, str | Promise, Decimal]]  # the label is read in the page's language


def open_invoices(link: PortalLink) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(customer_id__in=link.customer_ids, status=Invoice.Status.OPEN)
        .select_related("customer")
        .annotate(
            disputed=invoice_disputed(),
            promised=Exists(PromiseToPay.objects.filter(invoices=OuterRef("pk"), status=PromiseToPay.Status.OPEN)),
            planned=Exists(PaymentPlan.objects.filter(invoices=OuterRef("pk"), status__in=LIVE_PLAN)),
        )
        .order_by("due_date", "external_id")
    )


def invoice_for(link: PortalLink, invoice_id: int, *, open_only: bool = False) -> Invoice:
    """An invoice of the link's accounts, or 404: an id from another customer is simply not found."""
    invoices = Invoice.objects.filter(customer_id__in=link.customer_ids).exclude(status=Invoice.Status.VOID)
    if open_only:
        invoices = invoices.filter(status=Invoice.Status.OPEN)
    return get_object_or_404(invoices.select_related("customer"), pk=invoice_id)


def usable_credits(link: PortalLink) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(customer_id__in=link.customer_ids, unapplied_amount__gt=0).select_related(
        "customer"
    )


def credit_for(link: PortalLink, credit_id: int) -> CreditNote:
    return get_object_or_404(usable_credits(link), pk=credit_id)


def balances(link: PortalLink, on: date) -> list[Balance]:
    """Open balance and aging by due date, one row per currency, in one query."""

    def between(low: int | None, high: int | None) -> Coalesce:
        q = Q()
        if low is not None:
            q &= Q(due_date__lte=on - timedelta(days=low))
        if high is not None:
            q &= Q(due_date__gte=on - timedelta(days=high))
        return Coalesce(Sum(Case(When(q, then="open_amount"), default=ZERO)), ZERO)

    rows = (
        Invoice.objects.filter(customer_id__in=link.customer_ids, status=Invoice.Status.OPEN)
        .values("currency")
        .annotate(total=Sum("open_amount"), **{key: between(low, high) for key, _label, low, high in BUCKETS})
        .order_by("currency")
    )
    return [
        Balance(row["currency"], row["total"], [(key, label, row[key]) for key, label, _low, _high in BUCKETS])
        for row in rows
    ]


def portal_overview(link: PortalLink, on: date) -> dict[str, Any]:
    """Everything the portal's home page shows, in a fixed number of queries."""
    ids = link.customer_ids
    return {
        "accounts": list(link.accounts) if link.family else [link.customer],
        "balances": balances(link, on),
        "open_invoices": list(open_invoices(link)),
        "recently_paid": list(
            Invoice.objects.filter(
                customer_id__in=ids, status=Invoice.Status.PAID, closed_on__gte=on - timedelta(days=RECENTLY_PAID_DAYS)
            ).select_related("customer").order_by("-closed_on")[:50]
        ),
        "credits": list(usable_credits(link)),
        "unapplied_payments": list(
            Payment.objects.filter(customer_id__in=ids, status=Payment.Status.POSTED, unapplied_amount__gt=0)
        ),
        "disputes": list(Dispute.objects.filter(customer_id__in=ids).prefetch_related("invoices")[:20]),
        "promises": list(PromiseToPay.objects.filter(customer_id__in=ids).prefetch_related("invoices")[:20]),
        "plans": portal_plans(ids),
        "requests": list(
            PortalRequest.objects.filter(customer_id__in=ids).select_related("credit_note").prefetch_related("invoices")[:20]
        ),
    }
