"""Reads of credit hold shared by the pages and the API: accounts on hold with what they owe, and
the hold / release events.

The balance on hold is the accounts' open invoices, in each account's currency and in the base
currency (each invoice converted at its own date's rate, as every report does — METRICS.md)."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd
from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.money import MONEY_FIELD, ZERO
from ledger.fx import MissingFxRate, rate_expression, to_base
from ledger.hierarchy import family_links, subtrees
from ledger.models import Customer, Invoice
from work.holds.models import CreditHoldEvent, CreditHoldRule


@dataclass
class HoldBook:
    """The accounts on hold (each with `balance` in its currency and `balance_base`), the total in
    base currency (None when an FX rate is missing) and the totals per currency."""

    accounts: list[Customer]  # annotated with balance (and balance_base), held_by_rule/user, held_source
    total_base: Decimal | None
    by_currency: dict[str, Decimal] = field(default_factory=dict)
    fx_error: str = ""
    base_currency: str = settings.BASE_CURRENCY


def _latest_hold(field_name: str) -> Subquery:
    latest = CreditHoldEvent.objects.filter(customer=OuterRef("pk"), action=CreditHoldEvent.Action.HOLD).order_by("-pk")
    return Subquery(latest.values(field_name)[:1])


def accounts_on_hold(customers: QuerySet[Customer]) -> HoldBook:
    """Accounts on credit hold among `customers`, largest balance first, each with the rule or the
    person that held it. Two queries: the accounts, and their open invoices for the base total."""
    open_total = (Invoice.objects.filter(customer=OuterRef("pk"), status=Invoice.Status.OPEN)
                  .order_by().values("customer").annotate(total=Sum("open_amount")).values("total"))
    held = customers.filter(credit_hold=True)
    # Annotated rows that are also given `balance_base` below, an attribute the model does not declare.
    accounts: list[Any] = list(
        held.select_related("portfolio__collector")
        .annotate(
            balance=Coalesce(Subquery(open_total, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD),
            held_by_rule=_latest_hold("rule__name"),
            held_by_user=_latest_hold("by__username"),
            held_source=_latest_hold("source"),
        )
        .order_by("-balance", "name", "pk")
    )
    frame = pd.DataFrame.from_records(
        list(Invoice.objects.filter(customer__in=held.values("pk"), status=Invoice.Status.OPEN)
             .annotate(rate=rate_expression()).order_by()
             .values_list("customer_id", "currency", "open_amount", "rate")),
        columns=["customer_id", "currency", "open_amount", "rate"],
    )
    by_currency: dict[str, Decimal] = {}
    for currency, amount in frame.groupby("currency")["open_amount"].sum().items() if not frame.empty else ():
        by_currency[str(currency)] = amount
    try:
        frame["base"] = to_base(frame, "open_amount")
    except MissingFxRate as error:
        for account in accounts:
            account.balance_base = None
        return HoldBook(accounts=accounts, total_base=None, by_currency=by_currency, fx_error=str(error))
    per_customer = frame.groupby("customer_id")["base"].sum().to_dict() if not frame.empty else {}
    for account in accounts:
        account.balance_base = per_customer.get(account.pk, ZERO)
    total = sum(per_customer.values(), ZERO)
    return HoldBook(accounts=accounts, total_base=total, by_currency=by_currency)


def hold_events(customers: QuerySet[Customer] | None = None) -> QuerySet[CreditHoldEvent]:
    """Hold and release events, oldest first (by id: the order an ERP polls them in), narrowed to
    `customers` when given."""
    events = CreditHoldEvent.objects.select_related("customer", "rule", "by").order_by("pk")
    if customers is not None:
        events = events.filter(customer__in=customers.values("pk"))
    return events


def recent_hold_events(customers: QuerySet[Customer] | None = None, *, limit: int = 50) -> list[CreditHoldEvent]:
    return list(hold_events(customers).order_by("-pk")[:limit])


def hold_rules() -> QuerySet[CreditHoldRule]:
    """Every rule, active first, each with how many accounts it has held so far."""
    return CreditHoldRule.objects.annotate(holds=Count("events")).order_by("-active", "name")


# --- family ---
@dataclass(frozen=True)
class GroupUsage:
    """A parent's group credit: the open balance of the parent and every account below it."""

    limit: Decimal
    used: Decimal
    members: list[int]

    @property
    def over(self) -> bool:
        return self.used > self.limit

    @property
    def pct(self) -> Decimal | None:
        return self.used / self.limit * 100 if self.limit else None


def group_credit_usage(parents: QuerySet[Customer]) -> dict[int, GroupUsage]:
    """parent pk → its group's usage, for the parents among `parents` with a group credit limit. The
    open invoices of each account, in the amounts they are in (as an account's own limit counts
    them). Three queries."""
    rows = list(parents.filter(group_credit_limit__gt=0).values_list("pk", "family_top_id", "group_credit_limit"))
    if not rows:
        return {}
    links = family_links({top or pk for pk, top, _ in rows})
    members = subtrees(links, [pk for pk, _, _ in rows])
    owed = dict(Invoice.objects.filter(customer_id__in=list(links), status=Invoice.Status.OPEN).order_by()
                .values("customer").annotate(total=Sum("open_amount")).values_list("customer", "total"))
    return {pk: GroupUsage(limit=limit, used=sum((owed.get(m, ZERO) for m in members[pk]), ZERO), members=members[pk])
            for pk, _, limit in rows}
# --- end family ---

