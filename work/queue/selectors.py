"""Read paths of the daily queue: the facts scoring needs (fetched in bulk, a fixed number of
queries whatever the portfolio size), today's list, and the managers' list of open disputes."""

import operator
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from typing import Any

from django.contrib.auth.models import User
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core import aging
from core.money import ZERO
from ledger import fx
from ledger.models import Contact, CreditNote, Customer, Invoice, Payment
from work.models import Activity, Dispute, Escalation, EscalationLevel, PromiseToPay, QueueTask
from work.plans.models import PaymentPlan, PlanInstallment
from work.queue import scoring
from work.queue.escalation import Level, Touch, escalation_proposal
from work.queue.models import QueueEntry, Snooze
from work.selectors import OPEN_DISPUTE, invoice_disputed

# Activities that are not a person working the account.
NOT_WORK = [Activity.Kind.SYSTEM, Activity.Kind.PORTAL_VISIT]
DELIVERY_TASKS = {QueueTask.Kind.BOUNCE, QueueTask.Kind.NOT_OPENED}
ESCALATION_LOOKBACK_DAYS = 60


def _sum(queryset: QuerySet, field: str) -> Coalesce:
    return Coalesce(
        Subquery(queryset.order_by().values("customer_id").annotate(total=Sum(field)).values("total")[:1]),
        Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _latest(queryset: QuerySet, field: str) -> Subquery:
    return Subquery(queryset.order_by().values("customer_id").annotate(last=Max(field)).values("last")[:1])


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def account_facts(customers: QuerySet[Customer], on: date) -> dict[int, scoring.Facts]:
    """Everything the scoring reads, for every account in `customers`, in about a dozen queries."""
    mine = Q(customer__in=customers.values("pk"))
    outer = {"customer_id": OuterRef("pk")}
    accounts = (
        customers.exclude(status=Customer.Status.CLOSED)
        .exclude(Exists(Snooze.objects.filter(customer_id=OuterRef("pk"), until__gt=on)))
        .annotate(
            last_worked=_latest(Activity.objects.filter(**outer).exclude(kind__in=NOT_WORK), "occurred_at"),
            last_promise=_latest(PromiseToPay.objects.filter(**outer), "created_at"),
            last_payment=_latest(Payment.objects.filter(**outer), "received_date"),
            last_dispute=_latest(Dispute.objects.filter(**outer), "opened_on"),
            last_escalation=_latest(Escalation.objects.filter(**outer), "created_at"),
            unapplied_cash=_sum(Payment.objects.filter(status=Payment.Status.POSTED, **outer), "unapplied_amount"),
            unapplied_credit=_sum(CreditNote.objects.filter(**outer), "unapplied_amount"),
        )
        .values_list("pk", "name", "currency", "portfolio__collector_id", "family_top_id", "status", "follow_up_on",
                     "follow_up_note", "last_worked", "last_promise", "last_payment", "last_dispute",
                     "last_escalation", "unapplied_cash", "unapplied_credit")
    )
    facts: dict[int, scoring.Facts] = {}
    progress: dict[int, datetime | None] = {}
    escalated: dict[int, datetime | None] = {}
    for (pk, name, currency, collector_id, family_top_id, status, follow_up_on, follow_up_note, last_worked,
         last_promise, last_payment, last_dispute, last_escalation, cash, credit) in accounts:
        facts[pk] = scoring.Facts(
            customer_id=pk, name=name, currency=currency, collector_id=collector_id, family_id=family_top_id or pk,
            on_hold=status == Customer.Status.ON_HOLD, follow_up_on=follow_up_on, follow_up_note=follow_up_note,
            last_worked=timezone.localdate(last_worked) if last_worked else None, unapplied=cash + credit,
        )
        marks = [last_promise, _day_start(last_payment) if last_payment else None,
                 _day_start(last_dispute) if last_dispute else None]
        progress[pk] = max((m for m in marks if m), default=None)
        escalated[pk] = last_escalation

    _add_invoices(facts, mine, on)
    _add_promises(facts, mine, on)
    _add_missed_installments(facts, mine, on)
    waiting = _add_disputes_and_approvals(facts, mine, on)
    contacts = _add_contacts(facts, mine)
    _add_tasks(facts, mine, on)
    _add_top(facts)
    _add_escalations(facts, mine, on, progress, escalated, waiting, contacts)
    return facts


def _add_invoices(facts: dict[int, scoring.Facts], mine: Q, on: date) -> None:
    open_promise = PromiseToPay.objects.filter(invoices=OuterRef("pk"), status=PromiseToPay.Status.OPEN)
    on_track_plan = PaymentPlan.objects.filter(invoices=OuterRef("pk"), status=PaymentPlan.Status.ACTIVE)
    rows = (
        Invoice.objects.filter(mine, status=Invoice.Status.OPEN, open_amount__gt=0)
        .annotate(planned=Exists(open_promise) | invoice_disputed() | Exists(on_track_plan))
        .values_list("customer_id", "external_id", "due_date", "open_amount", "sent_at", "opened_at", "planned")
    )
    for customer_id, external_id, due_date, open_amount, sent_at, opened_at, planned in rows:
        account = facts.get(customer_id)
        if account is None:
            continue
        account.balance += open_amount
        days = (on - due_date).days
        bucket = scoring.bucket_of(days)
        if bucket:
            account.buckets[bucket] += open_amount
        if days > scoring.NO_PLAN_DAYS and not planned:
            account.no_plan_amount += open_amount
        if sent_at and not opened_at and 0 <= -days <= scoring.NOT_OPENED_DAYS:
            account.not_opened.append((external_id, -days))


def _add_promises(facts: dict[int, scoring.Facts], mine: Q, on: date) -> None:
    recent = on - timedelta(days=scoring.PROMISE_BROKEN_LOOKBACK_DAYS)
    broken = [PromiseToPay.Status.BROKEN, PromiseToPay.Status.PARTIALLY_KEPT]
    rows = PromiseToPay.objects.filter(mine).filter(
        Q(status__in=broken, pay_by__gte=recent, pay_by__lt=on)
        | Q(status=PromiseToPay.Status.OPEN, pay_by__lte=on)
    ).values_list("customer_id", "status", "amount", "amount_paid", "pay_by")
    for customer_id, status, amount, paid, pay_by in rows:
        account = facts.get(customer_id)
        if account is None:
            continue
        if status == PromiseToPay.Status.OPEN and pay_by == on:
            account.promises_due_today.append(amount)
        elif account.last_worked is None or account.last_worked <= pay_by:
            # Broken (or past its date and not settled yet) and nobody has called since.
            account.broken_promises.append((amount, paid, pay_by))


def _add_missed_installments(facts: dict[int, scoring.Facts], mine: Q, on: date) -> None:
    """Installments of broken plans missed in the last days that nobody has called about since
    their due date: the next morning they top the list, like a broken promise."""
    recent = on - timedelta(days=scoring.PLAN_MISSED_LOOKBACK_DAYS)
    rows = PlanInstallment.objects.filter(
        plan__in=PaymentPlan.objects.filter(mine, status=PaymentPlan.Status.BROKEN),
        status=PlanInstallment.Status.MISSED, due_on__gte=recent, due_on__lt=on,
    ).values_list("plan__customer_id", "number", "amount", "amount_paid", "due_on")
    for customer_id, number, amount, paid, due_on in rows:
        account = facts.get(customer_id)
        if account is not None and (account.last_worked is None or account.last_worked <= due_on):
            account.missed_installments.append((number, amount, paid, due_on))


def _add_disputes_and_approvals(
    facts: dict[int, scoring.Facts], mine: Q, on: date,
) -> dict[int, list[tuple[str, date]]]:
    stale_before = _day_start(on - timedelta(days=scoring.DISPUTE_STALE_DAYS))
    labels, owners = dict(Dispute.RootCause.choices), dict(Dispute.Owner.choices)
    for customer_id, cause, amount, updated, owner in Dispute.objects.filter(
        mine, status__in=OPEN_DISPUTE, last_update_at__lt=stale_before
    ).values_list("customer_id", "root_cause", "amount", "last_update_at", "owner"):
        if customer_id in facts:
            days = (on - timezone.localdate(updated)).days
            facts[customer_id].stale_disputes.append((labels[cause], amount, days, owners[owner]))
    waiting: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for customer_id, external_id, asked in Invoice.objects.filter(
        mine, status=Invoice.Status.OPEN, approval_requested_on__isnull=False
    ).values_list("customer_id", "external_id", "approval_requested_on"):
        if customer_id in facts:
            assert asked is not None  # filtered on approval_requested_on__isnull=False
            waiting[customer_id].append((external_id, asked))
            days = (on - asked).days
            if days > scoring.APPROVAL_WAIT_DAYS:
                facts[customer_id].awaiting_approval.append((external_id, days))
    return waiting


def _add_contacts(facts: dict[int, scoring.Facts], mine: Q) -> dict[int, list[tuple[int, str, str]]]:
    contacts: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for customer_id, pk, name, role, bounced in Contact.objects.filter(mine, active=True).order_by(
        "-is_primary", "name"
    ).values_list("customer_id", "pk", "name", "role", "email_bounced_at"):
        account = facts.get(customer_id)
        if account is None:
            continue
        contacts[customer_id].append((pk, name, role))
        if not account.primary_contact:
            account.primary_contact = name
        if bounced:
            account.bounced_contacts.append(name)
    return contacts


def _add_tasks(facts: dict[int, scoring.Facts], mine: Q, on: date) -> None:
    for customer_id, kind, title in QueueTask.objects.filter(
        mine, status=QueueTask.Status.OPEN, due_on__lte=on
    ).values_list("customer_id", "kind", "title"):
        account = facts.get(customer_id)
        if account is None:
            continue
        if kind == QueueTask.Kind.BOUNCE and account.bounced_contacts:
            continue  # the bounced address already says it
        if kind == QueueTask.Kind.PLAN_MISSED:
            continue  # the missed installment signal says it, for as long as it matters
        account.tasks.append((kind, title))


def _add_top(facts: dict[int, scoring.Facts]) -> None:
    """Top past-due accounts, and accounts of the top past-due families, per collector."""
    by_collector: dict[int | None, list[scoring.Facts]] = defaultdict(list)
    families: dict[tuple[int | None, int], Decimal] = defaultdict(Decimal)
    for account in facts.values():
        by_collector[account.collector_id].append(account)
        families[(account.collector_id, account.family_id)] += account.past_due
    top_families: set[tuple[int | None, int]] = set()
    for collector_id, accounts in by_collector.items():
        ranked = sorted((a for a in accounts if a.past_due > 0), key=lambda a: -a.past_due)[: scoring.TOP_N]
        for account in ranked:
            account.in_top = True
        fams = sorted(((amount, fam) for (c, fam), amount in families.items() if c == collector_id and amount > 0),
                      reverse=True)[: scoring.TOP_N]
        top_families.update((collector_id, fam) for _, fam in fams)
    for account in facts.values():
        if account.past_due > 0 and (account.collector_id, account.family_id) in top_families:
            account.in_top = True


def _add_escalations(
    facts: dict[int, scoring.Facts], mine: Q, on: date, progress: dict[int, datetime | None],
    escalated: dict[int, datetime | None], waiting: dict[int, list[tuple[str, date]]],
    contacts: dict[int, list[tuple[int, str, str]]],
) -> None:
    levels = [Level(pk, order, name, role) for pk, order, name, role in
              EscalationLevel.objects.values_list("pk", "order", "name", "contact_role")]
    reached: dict[int, list[Touch]] = defaultdict(list)
    for customer_id, contact_id, name, role, at in Activity.objects.filter(
        mine, outcome=Activity.Outcome.REACHED, contact__isnull=False,
        occurred_at__gte=_day_start(on - timedelta(days=ESCALATION_LOOKBACK_DAYS)),
    ).values_list("customer_id", "contact_id", "contact__name", "contact__role", "occurred_at"):
        reached[customer_id].append(Touch(contact_id, name, role, at))
    for pk, account in facts.items():
        if not (reached.get(pk) or account.awaiting_approval):
            continue
        account.escalation = escalation_proposal(
            on=on, levels=levels, reached=reached.get(pk, []), progress_at=progress[pk],
            awaiting_approval=waiting.get(pk, []), contacts=contacts.get(pk, []), escalated_at=escalated[pk],
        )


def queue_entries(*, collector: User, day: date) -> QuerySet[QueueEntry]:
    """Today's list for a collector, best first; entries whose account moved away are left out."""
    return (
        QueueEntry.objects.filter(day=day, collector=collector, customer__portfolio__collector=collector)
        .select_related("customer")
        .order_by("-score", "customer__name")
    )


# How the collector sorts today's list: (label, order). Amounts are compared in the base currency.
QUEUE_SORTS: dict[str, tuple[str, list[Any]]] = {
    "score": ("Score", ["-score", "customer__name", "pk"]),
    "amount": ("Past due (largest first)", [F("past_due_base").desc(nulls_last=True), "-score", "pk"]),
    "days": ("Days past due (oldest first)", [F("oldest_due_on").asc(nulls_last=True), "-score", "pk"]),
    "name": ("Name", ["customer__name", "pk"]),
}
# Promise and dispute states the list filters by.
QUEUE_STATES = {
    "promised": "Open promise to pay",
    "broken": "Broken promise",
    "disputed": "Open dispute",
    "neither": "No promise, no dispute",
}


def _bucket_due_dates(day: date, bucket: str) -> Q:
    """Entries whose oldest past-due invoice is in `bucket` (core.aging's name) on `day`."""
    if bucket == "current":
        return Q(oldest_due_on__isnull=True)
    low, high = next((lo, hi) for name, lo, hi in aging.BUCKET_BOUNDS if name == bucket)
    assert low is not None  # only "current" is open-ended below
    condition = Q(oldest_due_on__lte=day - timedelta(days=low))
    if high is not None:
        condition &= Q(oldest_due_on__gte=day - timedelta(days=high))
    return condition


def queue_list(
    *, collector: User, day: date, reason: str = "", bucket: str = "", amount_min: Decimal | None = None,
    state: str = "", sort: str = "score",
) -> QuerySet[QueueEntry]:
    """The open items of today's list, filtered and sorted in the database, each annotated with
    `past_due_base` (past due in the base currency, None without an FX rate), `oldest_due_on` (its
    oldest past-due invoice) and `has_promise` / `has_dispute` (an open promise, an open dispute)."""
    past_due_invoices = Invoice.objects.filter(
        customer_id=OuterRef("customer_id"), status=Invoice.Status.OPEN, open_amount__gt=0, due_date__lt=day,
    ).order_by().values("customer_id").annotate(oldest=Min("due_date")).values("oldest")[:1]
    entries = (
        queue_entries(collector=collector, day=day).filter(status=QueueEntry.Status.OPEN)
        .annotate(
            past_due_base=ExpressionWrapper(F("past_due") * fx.rate_expression("customer__currency", on=day),
                                            output_field=DecimalField(max_digits=20, decimal_places=2)),
            oldest_due_on=Subquery(past_due_invoices),
            has_promise=Exists(PromiseToPay.objects.filter(customer_id=OuterRef("customer_id"),
                                                           status=PromiseToPay.Status.OPEN)),
            has_dispute=Exists(Dispute.objects.filter(customer_id=OuterRef("customer_id"), status__in=OPEN_DISPUTE)),
        )
    )
    if reason:
        signals = scoring.REASON_KINDS[reason][1]
        entries = entries.filter(reduce(operator.or_, (Q(signals__contains=f" {s} ") for s in signals)))
    if bucket:
        entries = entries.filter(_bucket_due_dates(day, bucket))
    if amount_min is not None:
        entries = entries.filter(past_due_base__gte=amount_min)
    if state == "promised":
        entries = entries.filter(has_promise=True)
    elif state == "broken":
        entries = entries.filter(signals__contains=" promise_broken ")
    elif state == "disputed":
        entries = entries.filter(has_dispute=True)
    elif state == "neither":
        entries = entries.filter(has_promise=False, has_dispute=False)
    return entries.order_by(*QUEUE_SORTS[sort][1])


def queue_counts(*, collector: User, day: date) -> dict[str, int]:
    counts = queue_entries(collector=collector, day=day).aggregate(
        done=Count("pk", filter=Q(status=QueueEntry.Status.DONE)),
        remaining=Count("pk", filter=Q(status=QueueEntry.Status.OPEN)),
        snoozed=Count("pk", filter=Q(status=QueueEntry.Status.SNOOZED)),
    )
    counts["total"] = counts["done"] + counts["remaining"] + counts["snoozed"]
    return counts


def open_disputes(*, customers: QuerySet[Customer], on: date, owner: str = "") -> QuerySet[Dispute]:
    """Open disputes with their age in days, oldest first, for the managers' list."""
    disputes = Dispute.objects.filter(customer__in=customers.values("pk"), status__in=OPEN_DISPUTE)
    if owner:
        disputes = disputes.filter(owner=owner)
    return disputes.select_related("customer__portfolio__collector").annotate(
        invoice_count=Count("invoices"),
    ).order_by("opened_on", "pk")


def open_disputes_by_owner(*, customers: QuerySet[Customer], on: date) -> list[dict[str, Any]]:
    """Per internal owner: how many open disputes, how much in the base currency (each at the rate of the
    day it was opened: USD, EUR and CAD are never added as they are) and the age of the oldest (one query)."""
    in_base = ExpressionWrapper(F("amount") * fx.rate_expression("customer__currency", on="opened_on"),
                                output_field=DecimalField(max_digits=24, decimal_places=8))
    rows = (
        Dispute.objects.filter(customer__in=customers.values("pk"), status__in=OPEN_DISPUTE)
        .values("owner").annotate(count=Count("pk"), in_base=Sum(in_base), converted=Count(in_base),
                                  oldest=Min("opened_on"))
        .order_by("owner")
    )
    labels = dict(Dispute.Owner.choices)
    return [{"owner": r["owner"], "label": labels.get(r["owner"], r["owner"]), "count": r["count"],
             "amount": r["in_base"] if r["converted"] == r["count"] else None,  # None: a currency has no FX rate
             "oldest_days": (on - r["oldest"]).days} for r in rows]
