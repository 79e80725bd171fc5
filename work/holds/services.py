"""Writes of credit hold: placing and releasing a hold, and the nightly pass of the hold rules.

Every change of `Customer.credit_hold` goes through here and leaves one `CreditHoldEvent` (with the
account's open balance at that moment), which is what the ERP polls to block or unblock orders.

Rules only ever put accounts ON hold. Releasing is a credit decision a person takes (and records
with a reason): a rule that released automatically could let orders flow again the night a
payment bounced, or flip an account on and off as invoices cross a threshold, each flip sent to
the ERP. A person who releases can keep the rules away until a date (`exempt_until`), e.g. while a
plan is being paid; without it the rules may hold the account again the next night if the
condition still holds.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.money import MONEY_FIELD, ZERO
from ledger.fx import rate_expression
from ledger.models import Customer, Invoice
from work.holds.models import CreditHoldEvent, CreditHoldRule
from work.holds.selectors import group_credit_usage
from work.models import QueueTask
from work.plans.models import PaymentPlan

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

BATCH = 500


class CreditHoldError(ValidationError):
    """The hold or release asked for cannot be done (no reason, already held, not held…)."""


def _open_balance(customer_id: int) -> Decimal:
    total = Invoice.objects.filter(customer_id=customer_id, status=Invoice.Status.OPEN).aggregate(
        total=Coalesce(Sum("open_amount"), Value(ZERO), output_field=MONEY_FIELD))["total"]
    return total


def _clean_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CreditHoldError(f"Say why the account is {what}.")
    return reason[:200]


def credit_hold_place(
    *, customer: Customer, reason: str, by: User | None = None, source: str = CreditHoldEvent.Source.MANUAL,
    rule: CreditHoldRule | None = None,
) -> CreditHoldEvent:
    """Put an account on credit hold: the ERP blocks its new orders until someone releases it. The
    account is still reminded and worked. A reason is required; holding an account already on hold
    is refused (nothing changes, no second event). A hold by hand clears any exemption from the
    rules, which only mattered while the account was released."""
    reason = _clean_reason(reason, "put on credit hold")
    now = timezone.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.credit_hold:
            raise CreditHoldError(f"{locked.name} is already on credit hold ({locked.credit_hold_reason}).")
        event = CreditHoldEvent.objects.create(
            customer=locked, action=CreditHoldEvent.Action.HOLD, source=source, rule=rule, reason=reason,
            balance=_open_balance(locked.pk), by=by, created_at=now,
        )
        Customer.objects.filter(pk=locked.pk).update(
            credit_hold=True, credit_hold_reason=reason, credit_hold_since=now, credit_hold_exempt_until=None,
            updated_at=now,
        )
    customer.credit_hold, customer.credit_hold_reason, customer.credit_hold_since = True, reason, now
    customer.credit_hold_exempt_until = None
    return event


def credit_hold_release(
    *, customer: Customer, reason: str, by: User | None = None, exempt_until: date | None = None,
    source: str = CreditHoldEvent.Source.MANUAL,
) -> CreditHoldEvent:
    """Release a credit hold: the ERP may take the account's orders again. A person decides it and
    says why; releasing an account that is not on hold is refused. With `exempt_until` the hold
    rules leave the account alone up to and including that day."""
    reason = _clean_reason(reason, "released")
    today = timezone.localdate()
    if exempt_until is not None and exempt_until < today:
        raise CreditHoldError("The exemption from the rules must end today or later.")
    now = timezone.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if not locked.credit_hold:
            raise CreditHoldError(f"{locked.name} is not on credit hold.")
        event = CreditHoldEvent.objects.create(
            customer=locked, action=CreditHoldEvent.Action.RELEASE, source=source, reason=reason,
            balance=_open_balance(locked.pk), by=by, created_at=now,
        )
        Customer.objects.filter(pk=locked.pk).update(
            credit_hold=False, credit_hold_reason="", credit_hold_since=None, credit_hold_exempt_until=exempt_until,
            updated_at=now,
        )
    customer.credit_hold, customer.credit_hold_reason, customer.credit_hold_since = False, "", None
    customer.credit_hold_exempt_until = exempt_until
    return event


# --- The rules ---------------------------------------------------------------------------------

def _open_sum(*, due_before: date | None = None) -> Coalesce:
    invoices = Invoice.objects.filter(customer=OuterRef("pk"), status=Invoice.Status.OPEN)
    if due_before is not None:
        invoices = invoices.filter(due_date__lt=due_before)
    total = invoices.order_by().values("customer").annotate(total=Sum("open_amount")).values("total")
    return Coalesce(Subquery(total, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)


class Stake(TypedDict):
    stake: Decimal


def rule_matches(
    rule: CreditHoldRule, customers: QuerySet[Customer], on: date,
) -> "QuerySet[WithAnnotations[Customer, Stake]]":
    """The customers among `customers` that `rule` would hold on `on`, each annotated with `stake`
    (the amount that triggers it, in the account's currency): the open balance over the limit, the
    open amount of invoices more than N days past due, or the open balance behind a broken plan."""
    if rule.segment:
        customers = customers.filter(segment=rule.segment)
    if rule.kind == CreditHoldRule.Kind.OVER_CREDIT_LIMIT:
        matched = customers.filter(credit_limit__gt=0).annotate(stake=_open_sum()).filter(stake__gt=F("credit_limit"))
    elif rule.kind == CreditHoldRule.Kind.DAYS_PAST_DUE:
        # More than N days past due: on − due_date > N, i.e. due before on − N.
        cutoff = on - timedelta(days=rule.days_past_due or 0)
        matched = customers.annotate(stake=_open_sum(due_before=cutoff)).filter(stake__gt=0)
    elif rule.kind == CreditHoldRule.Kind.BROKEN_PLAN:
        broken = PaymentPlan.objects.filter(customer=OuterRef("pk"), status=PaymentPlan.Status.BROKEN)
        matched = customers.filter(Exists(broken)).annotate(stake=_open_sum())
    else:  # a kind this code does not know holds no account (and the rows still carry `stake`)
        return customers.none().annotate(stake=Value(ZERO, output_field=MONEY_FIELD))
    if rule.min_amount > 0:
        matched = (matched.annotate(stake_base=F("stake") * rate_expression(on=on))
                   .filter(stake_base__gte=rule.min_amount))
    return matched


def _why(rule: CreditHoldRule, stake: Decimal, currency: str, credit_limit: Decimal) -> str:
    if rule.kind == CreditHoldRule.Kind.OVER_CREDIT_LIMIT:
        detail = f"open balance {stake:,.2f} {currency} over the credit limit {credit_limit:,.2f}"
    elif rule.kind == CreditHoldRule.Kind.DAYS_PAST_DUE:
        detail = f"{stake:,.2f} {currency} more than {rule.days_past_due} days past due"
    else:
        detail = f"payment plan broken, {stake:,.2f} {currency} open"
    return f"Rule “{rule.name}”: {detail}"[:200]


# --- family ---
def group_matches(rule: CreditHoldRule, eligible: QuerySet[Customer], on: date) -> dict[int, str]:
    """For a credit-limit rule: the groups (a parent with a group credit limit, and every account
    below it) whose summed open balance is over that limit: eligible account pk → the reason, which
    names the group. The rule's segment is the parent's; its minimum is the group's balance in base."""
    if rule.kind != CreditHoldRule.Kind.OVER_CREDIT_LIMIT:
        return {}
    parents = Customer.objects.exclude(status=Customer.Status.CLOSED)
    if rule.segment:
        parents = parents.filter(segment=rule.segment)
    over = {pk: usage for pk, usage in group_credit_usage(parents).items() if usage.over}
    if not over:
        return {}
    facts = {pk: (name, currency, rate) for pk, name, currency, rate in Customer.objects.filter(pk__in=list(over))
             .annotate(rate=rate_expression(on=on)).values_list("pk", "name", "currency", "rate")}
    if rule.min_amount > 0:
        over = {pk: u for pk, u in over.items()
                if facts[pk][2] is not None and u.used * facts[pk][2] >= rule.min_amount}
    members = {m for usage in over.values() for m in usage.members}
    holdable = set(eligible.filter(pk__in=list(members)).values_list("pk", flat=True)) if members else set()
    caught: dict[int, str] = {}
    for pk, usage in sorted(over.items()):
        name, currency, _ = facts[pk]
        reason = (f"Rule “{rule.name}”: group {name} open balance {usage.used:,.2f} {currency} over the group "
                  f"credit limit {usage.limit:,.2f}")[:200]
        for member in usage.members:
            if member in holdable:
                caught.setdefault(member, reason)
    return caught
# --- end family ---


@dataclass(frozen=True)
class RulesPass:
    on: date
    rules: int
    held: int


def credit_holds_apply_rules(*, on: date | None = None) -> RulesPass:
    """Every night each active rule is checked against every account not yet on hold (closed
    accounts and accounts exempted by a person until `on` or later are left alone). Each account
    a rule catches goes on hold once — the first rule that catches it gives the reason — with one
    event, and its collector gets a task to tell the customer. Rules never release. Safe to run
    twice: an account already on hold is not caught again. A credit-limit rule also holds every
    account of a group over its group credit limit (`group_matches`). A few queries per rule, then
    bulk writes."""
    on = on or timezone.localdate()
    rules = list(CreditHoldRule.objects.filter(active=True).order_by("pk"))
    eligible = (Customer.objects.filter(credit_hold=False).exclude(status=Customer.Status.CLOSED)
                .exclude(credit_hold_exempt_until__gte=on))
    caught: dict[int, tuple[CreditHoldRule, str]] = {}
    for rule in rules:
        rows = rule_matches(rule, eligible, on).values_list("pk", "stake", "currency", "credit_limit")
        for pk, stake, currency, limit in rows:
            caught.setdefault(pk, (rule, _why(rule, stake, currency, limit)))
        for pk, reason in group_matches(rule, eligible, on).items():  # --- family --- group credit limits
            caught.setdefault(pk, (rule, reason))
    if not caught:
        return RulesPass(on=on, rules=len(rules), held=0)
    now = timezone.now()
    with transaction.atomic():
        # Lock and re-check: a person may have held the account since the rules were read.
        customers = list(Customer.objects.select_for_update().filter(pk__in=list(caught), credit_hold=False)
                         .order_by("pk"))
        balances = dict(
            Invoice.objects.filter(customer__in=[c.pk for c in customers], status=Invoice.Status.OPEN)
            .order_by().values("customer").annotate(total=Sum("open_amount")).values_list("customer", "total")
        )
        events, tasks = [], []
        for customer in customers:
            rule, reason = caught[customer.pk]
            customer.credit_hold, customer.credit_hold_reason, customer.credit_hold_since = True, reason, now
            customer.updated_at = now
            events.append(CreditHoldEvent(
                customer=customer, action=CreditHoldEvent.Action.HOLD, source=CreditHoldEvent.Source.RULE,
                rule=rule, reason=reason, balance=balances.get(customer.pk, ZERO), created_at=now,
            ))
        Customer.objects.bulk_update(customers, ["credit_hold", "credit_hold_reason", "credit_hold_since",
                                                 "updated_at"], batch_size=BATCH)
        CreditHoldEvent.objects.bulk_create(events, batch_size=BATCH)
        for customer, event in zip(customers, events, strict=True):
            tasks.append(QueueTask(
                customer=customer, kind=QueueTask.Kind.CREDIT_HOLD, due_on=on,
                title=f"Put on credit hold — {event.reason}"[:200],
                detail="New orders are blocked in the ERP. Tell the customer why and agree how to clear it; "
                       "a manager releases the hold.",
                key=f"credit_hold:{customer.pk}:{on.isoformat()}",
            ))
        QueueTask.objects.bulk_create(tasks, batch_size=BATCH, ignore_conflicts=True)
    return RulesPass(on=on, rules=len(rules), held=len(customers))


def credit_hold_rule_save(*, rule: CreditHoldRule) -> CreditHoldRule:
    """A rule is configuration: saving it changes no account until the next pass of the rules."""
    with transaction.atomic():
        rule.full_clean()
        rule.save()
    return rule
