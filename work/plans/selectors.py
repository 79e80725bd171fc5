"""Read paths of payment plans shared by the workspace, the queue, the portal and the API."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Value, When

from core.money import ZERO
from ledger.hierarchy import subtree_q
from ledger.models import Customer, Invoice
from work.plans.models import PaymentPlan, PlanInstallment

LIVE = [PaymentPlan.Status.ACTIVE, PaymentPlan.Status.BROKEN]
HISTORY_ROWS = 10


def _with_figures(plans: Iterable[PaymentPlan]) -> list[PaymentPlan]:
    """Paid, remaining and the next installment due, from the prefetched installments."""
    plans = list(plans)
    plan: Any  # given attributes the model does not declare: paid, remaining, next_installment
    for plan in plans:
        rows = [i for i in plan.installments.all() if i.status != PlanInstallment.Status.CANCELLED]
        plan.paid = sum((i.amount_paid for i in rows), ZERO)
        plan.remaining = sum((i.remaining for i in rows), ZERO)
        plan.next_installment = next((i for i in rows if i.remaining > 0), None)
    return plans


def _plans(queryset: QuerySet[PaymentPlan]) -> QuerySet[PaymentPlan]:
    live_first = Case(When(status__in=LIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        queryset.select_related("by", "replaces")
        .prefetch_related(
            Prefetch("installments", queryset=PlanInstallment.objects.order_by("number")),
            Prefetch("invoices", queryset=Invoice.objects.order_by("due_date", "pk")),
        )
        .annotate(live_first=live_first).order_by("live_first", "-created_at", "-pk")
    )


def account_plans(customer: Customer) -> list[PaymentPlan]:
    """The account's live plans, then its last ended ones, with installments and invoices: three
    queries whatever the account's history."""
    return _with_figures(_plans(PaymentPlan.objects.filter(customer=customer))[:HISTORY_ROWS])


def portal_plans(customer_ids: Iterable[int]) -> list[PaymentPlan]:
    """Plans a portal link shows: the live ones and those completed, with what remains."""
    plans = PaymentPlan.objects.filter(customer_id__in=list(customer_ids), status__in=[
        *LIVE, PaymentPlan.Status.COMPLETED])
    return _with_figures(_plans(plans)[:HISTORY_ROWS])


def plannable_invoices(customer_ids: Iterable[int]) -> QuerySet[Invoice]:
    """Open invoices of these accounts that are not already in a live plan, oldest due first."""
    in_plan = PaymentPlan.objects.filter(invoices=OuterRef("pk"), status__in=LIVE)
    return (Invoice.objects.filter(customer_id__in=customer_ids, status=Invoice.Status.OPEN, open_amount__gt=0)
            .exclude(Exists(in_plan)).select_related("customer").order_by("due_date", "pk"))


def account_invoice_owners(customer: Customer) -> QuerySet[Customer]:
    """Whose invoices a collector may put in a plan from this account: the account, and its
    accounts below it when it is a parent (at any depth)."""
    return Customer.objects.filter(subtree_q(customer))
