"""Read paths for the reminders pages: the outbox, run history, policies and an account's messages."""

from datetime import date
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from ledger.models import Customer
from ledger.selectors import visible_customers
from reminders.models import (
    CustomerDunningSettings,
    DunningPolicy,
    DunningRun,
    DunningStep,
    InvoiceStepSent,
    OutboundMessage,
    Statement,
    StatementRun,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ChosenByOverride(TypedDict):
    chosen_by_override: bool


def outbox_for(user: User, *, status: str = "", kind: str = "", q: str = "") -> QuerySet[OutboundMessage]:
    """Messages of the accounts the user may see (a collector: their portfolio)."""
    messages = OutboundMessage.objects.filter(customer__in=visible_customers(user)).select_related("customer")
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    if q:
        messages = messages.filter(subject__icontains=q) | messages.filter(to_email__icontains=q)
    return messages.order_by("-created_at", "-pk")


def outbox_counts(messages: QuerySet[OutboundMessage]) -> dict[str, int]:
    return dict(messages.order_by().values_list("status").annotate(n=Count("pk")))


def policies_with_steps() -> QuerySet[DunningPolicy]:
    return DunningPolicy.objects.prefetch_related(
        Prefetch("steps", queryset=DunningStep.objects.select_related("template").order_by("offset_days"))
    )


def step_removal_impact(step: DunningStep) -> dict[str, int]:
    """What removing a dunning step touches, for the confirmation: the emails it sent (they stay in
    the outbox) and the invoices whose step history names it (that history goes with the step)."""
    return {
        "messages": OutboundMessage.objects.filter(step=step).count(),
        "invoices": InvoiceStepSent.objects.filter(step=step).values("invoice").distinct().count(),
    }


def recent_runs(limit: int = 30) -> QuerySet[DunningRun]:
    return DunningRun.objects.select_related("by")[:limit]


def statement_runs(limit: int = 24) -> QuerySet[StatementRun]:
    return StatementRun.objects.all()[:limit]


def account_messages(customer: Customer, limit: int = 15) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(customer=customer).select_related("contact")[:limit]


def account_statements(customer: Customer, limit: int = 12) -> QuerySet[Statement]:
    return Statement.objects.filter(customer=customer)[:limit]


def statements_undelivered(month: date) -> QuerySet[Statement]:
    """Statements of `month` whose email has not been sent (no contact, failed, or still queued);
    the queue raises these after day 7."""
    return Statement.objects.filter(month=month).exclude(message__status=OutboundMessage.Status.SENT)


def dunning_policy_for(customer: Customer) -> DunningPolicy | None:
    """The account's dunning policy, the way the dunning run picks it: the account's own override,
    else its segment's policy, else the default policy (None when there is none). One query."""
    override = CustomerDunningSettings.objects.filter(customer=customer, policy__isnull=False).values("policy_id")
    segment = customer.segment.strip()
    candidates = Q(pk__in=override) | Q(is_default=True)
    if segment:
        candidates |= Q(segment__iexact=segment)
    found = list(DunningPolicy.objects.filter(candidates).select_related("plan_missed_template").annotate(
        chosen_by_override=Exists(override.filter(policy_id=OuterRef("pk")))))

    def rank(policy: "WithAnnotations[DunningPolicy, ChosenByOverride]") -> int:
        if policy.chosen_by_override:
            return 0
        return 1 if segment and policy.segment.strip().lower() == segment.lower() else 2

    return min(found, key=rank, default=None)
