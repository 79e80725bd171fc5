"""Collection-work KPIs, exactly as METRICS.md "Collection work" defines them.

Each function is one query (aggregated in the database, or one pandas frame over the few columns it
needs) and returns figures per collector (keyed by the collector's user id; `None` = accounts in no
collector's portfolio). `overall(...)` folds the per-collector figures into the team's.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from django.conf import settings
from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Least, TruncDate
from django.utils import timezone

from core.money import MONEY_FIELD, ZERO
from ledger.fx import MissingFxRate, rate_expression
from ledger.models import Customer
from work.models import Activity, Dispute, PromiseToPay

HUNDRED = Decimal("100")
COVERAGE_DAYS = 14
NO_PLAN_DAYS = 30
# Touches are what people did; messages the system sent and portal visits are not a collector's work.
NOT_TOUCHES = (Activity.Kind.SYSTEM, Activity.Kind.PORTAL_VISIT)


def percent(part, whole) -> Decimal | None:
    """part ÷ whole × 100, unrounded (None when there is nothing to divide by)."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole) * HUNDRED


def rounded(value, places: str = "0.01"):
    return None if value is None else Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def working_days(start: date, end: date) -> int:
    """Monday to Friday between start and end, inclusive."""
    days = (end - start).days + 1
    return sum(1 for n in range(max(days, 0)) if (start + timedelta(days=n)).weekday() < 5)


# --- Promise-kept rate ------------------------------------------------------------------------------------


@dataclass
class PromiseKept:
    kept: int = 0
    broken: int = 0  # broken + partially kept
    amount_promised: Decimal = ZERO
    amount_kept: Decimal = ZERO  # kept promises in full, the paid part of partially kept ones

    @property
    def rate_by_count(self) -> Decimal | None:
        return percent(self.kept, self.kept + self.broken)

    @property
    def rate_by_amount(self) -> Decimal | None:
        return percent(self.amount_kept, self.amount_promised)

    def __add__(self, other: "PromiseKept") -> "PromiseKept":
        return PromiseKept(self.kept + other.kept, self.broken + other.broken,
                           self.amount_promised + other.amount_promised, self.amount_kept + other.amount_kept)


def promise_kept(*, start: date, end: date, customers=None) -> dict:
    """Over promises whose promised date falls in start..end: kept ÷ (kept + broken) by count, amount kept ÷
    amount promised by amount. Partially kept counts as broken by count and by its paid part by amount;
    cancelled promises, and open ones not yet settled, are left out. Amounts in base currency at the
    promised date's rate. One query."""
    S = PromiseToPay.Status
    settled = PromiseToPay.objects.filter(pay_by__range=(start, end), status__in=[S.KEPT, S.PARTIALLY_KEPT, S.BROKEN])
    if customers is not None:
        settled = settled.filter(customer__in=customers)
    rate = rate_expression(currency="customer__currency", on="pay_by")
    rows = (
        settled.order_by()
        .values(collector_id=F("customer__portfolio__collector_id"))
        .annotate(
            kept=Count("pk", filter=Q(status=S.KEPT)),
            broken=Count("pk", filter=Q(status__in=[S.PARTIALLY_KEPT, S.BROKEN])),
            promised=Sum(F("amount") * rate, output_field=MONEY_FIELD),
            kept_amount=Sum(
                Case(
                    When(status=S.KEPT, then=F("amount")),
                    When(status=S.PARTIALLY_KEPT, then=Least("amount_paid", "amount")),
                    default=Value(ZERO),
                    output_field=MONEY_FIELD,
                ) * rate,
                output_field=MONEY_FIELD,
            ),
        )
    )
    return {
        r["collector_id"]: PromiseKept(r["kept"], r["broken"], _money(r["promised"]), _money(r["kept_amount"]))
        for r in rows
    }


def _money(value) -> Decimal:
    return ZERO if value is None else Decimal(value)


# --- Dispute cycle time and open disputes -------------------------------------------------------------------


@dataclass
class CycleTime:
    resolved: int
    mean_days: Decimal | None
    median_days: Decimal | None


def _cycle(days: pd.Series) -> CycleTime:
    if days.empty:
        return CycleTime(0, None, None)
    return CycleTime(int(days.size), Decimal(str(days.mean())), Decimal(str(days.median())))


def resolved_disputes(*, start: date, end: date, customers=None) -> pd.DataFrame:
    """Disputes resolved in start..end with their cycle time in days (resolved date − opened date). One query."""
    qs = Dispute.objects.filter(status=Dispute.Status.RESOLVED, resolved_on__range=(start, end))
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    rows = qs.order_by().values_list("customer__portfolio__collector_id", "root_cause", "opened_on", "resolved_on")
    frame = pd.DataFrame.from_records(list(rows), columns=["collector_id", "root_cause", "opened_on", "resolved_on"])
    frame["days"] = pd.Series([(r - o).days for o, r in zip(frame["opened_on"], frame["resolved_on"], strict=True)],
                              index=frame.index, dtype="int64")
    return frame


def dispute_cycle_time(*, start: date, end: date, customers=None) -> dict:
    """Mean and median of (resolved date − opened date) over disputes resolved in the period: `overall`,
    `by_root_cause` {code: CycleTime} and `by_collector` {collector_id: {"overall", "by_root_cause"}}."""
    frame = resolved_disputes(start=start, end=end, customers=customers)
    result = {"overall": _cycle(frame["days"]), "by_root_cause": {}, "by_collector": {}}
    for cause, group in frame.groupby("root_cause"):
        result["by_root_cause"][cause] = _cycle(group["days"])
    for collector_id, group in frame.groupby("collector_id", dropna=False):
        key = None if pd.isna(collector_id) else int(collector_id)
        result["by_collector"][key] = {
            "overall": _cycle(group["days"]),
            "by_root_cause": {cause: _cycle(g["days"]) for cause, g in group.groupby("root_cause")},
        }
    return result


def open_disputes(*, as_of: date, customers=None) -> list[dict]:
    """Disputes open (or in review) at `as_of`, oldest first, with their age in days and their amount in
    the base currency (`amount_base`, at the rate of the day the dispute was opened; `amount` is in the
    customer's currency). One query."""
    qs = Dispute.objects.filter(opened_on__lte=as_of).filter(
        Q(status__in=[Dispute.Status.OPEN, Dispute.Status.IN_REVIEW]) | Q(resolved_on__gt=as_of)
    )
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    rows = qs.order_by("opened_on", "pk").values(
        "pk", "customer_id", "customer__name", "root_cause", "amount", "opened_on", "status", "owner",
        collector_id=F("customer__portfolio__collector_id"), currency=F("customer__currency"),
        amount_base=F("amount") * rate_expression(currency="customer__currency", on="opened_on"),
    )
    rows = list(rows)
    missing = sorted({row["currency"] for row in rows if row["amount_base"] is None})
    if missing:
        raise MissingFxRate(f"No FX rate for {', '.join(missing)}; add one to convert to {settings.BASE_CURRENCY}.")
    causes, statuses, owners = (dict(Dispute.RootCause.choices), dict(Dispute.Status.choices),
                                dict(Dispute.Owner.choices))
    return [
        {**row, "amount_base": _money(row["amount_base"]),
         "root_cause_label": causes.get(row["root_cause"], row["root_cause"]),
         "status_label": statuses.get(row["status"], row["status"]),
         "owner_label": owners.get(row["owner"], row["owner"]),
         "age_days": (as_of - row["opened_on"]).days}
        for row in rows
    ]


# --- Touches and coverage -------------------------------------------------------------------------------------


@dataclass
class Touches:
    total: int = 0
    by_day: dict = field(default_factory=dict)  # date -> count
    days: int = 1  # working days in the period
    weeks: Decimal = Decimal("1")

    @property
    def per_day(self) -> Decimal:
        return Decimal(self.total) / Decimal(max(self.days, 1))

    @property
    def per_week(self) -> Decimal:
        return Decimal(self.total) / self.weeks


def occurred_within(start: date, end: date) -> dict:
    """A filter on `occurred_at` for the local days start..end, as bounds an index can use (the
    `__date` of every activity, as `occurred_at__date__range` compares it, is a scan of all of them)."""
    return {"occurred_at__gte": _day_start(start), "occurred_at__lt": _day_start(end + timedelta(days=1))}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def touches(*, start: date, end: date, users=None) -> dict:
    """Activities a person logged (calls, emails, notes, meetings, letters), per user and day, over
    start..end; per day = over the working days (Mon–Fri) of the period, per week = over its weeks. One query."""
    qs = Activity.objects.filter(by__isnull=False, **occurred_within(start, end)).exclude(kind__in=NOT_TOUCHES)
    if users is not None:
        qs = qs.filter(by__in=users)
    rows = qs.order_by().values("by_id", day=TruncDate("occurred_at")).annotate(n=Count("pk"))
    days = working_days(start, end)
    weeks = Decimal((end - start).days + 1) / Decimal(7)
    result: dict = defaultdict(lambda: Touches(days=days, weeks=weeks))
    for row in rows:
        entry = result[row["by_id"]]
        entry.total += row["n"]
        entry.by_day[row["day"]] = entry.by_day.get(row["day"], 0) + row["n"]
    return dict(result)


def worked_accounts(*, as_of: date, days: int = COVERAGE_DAYS) -> set[int]:
    """Accounts with a touch by a person in the `days` days ending `as_of`. One query."""
    return set(
        Activity.objects.filter(
            by__isnull=False, **occurred_within(as_of - timedelta(days=days - 1), as_of)
        ).exclude(kind__in=NOT_TOUCHES).order_by().values_list("customer_id", flat=True).distinct()
    )


@dataclass
class Coverage:
    past_due_accounts: int
    worked: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.worked, self.past_due_accounts)

    def __add__(self, other: "Coverage") -> "Coverage":
        return Coverage(self.past_due_accounts + other.past_due_accounts, self.worked + other.worked)


def coverage(open_frame: pd.DataFrame, *, as_of: date) -> dict:
    """Share of past-due accounts worked in the last 14 days, per collector. `open_frame` is
    `reporting.frames.open_invoices(as_of)` (the accounts past due at `as_of`); one more query."""
    worked = worked_accounts(as_of=as_of)
    past_due = open_frame[open_frame["days_past_due"] > 0][["collector_id", "customer_id"]].drop_duplicates()
    result = {}
    for collector_id, group in past_due.groupby("collector_id", dropna=False):
        key = None if pd.isna(collector_id) else int(collector_id)
        accounts = set(group["customer_id"])
        result[key] = Coverage(len(accounts), len(accounts & worked))
    return result


# --- More than 30 days past due without a plan ----------------------------------------------------------------


def planned(*, as_of: date) -> tuple[set[int], set[int]]:
    """(invoice ids with a plan, customer ids with a follow-up) at `as_of`: an open promise whose date
    has not passed, an open dispute, or a follow-up date set on the account (or on its last activities)
    that has not passed. Two queries."""
    invoices = set(
        PromiseToPay.objects.filter(status=PromiseToPay.Status.OPEN, pay_by__gte=as_of, invoices__isnull=False)
        .order_by().values_list("invoices", flat=True)
    ) | set(
        Dispute.objects.filter(status__in=[Dispute.Status.OPEN, Dispute.Status.IN_REVIEW])
        .order_by().values_list("invoices", flat=True)
    )
    customers = set(  # two index reads: an OR across the join read every activity
        Customer.objects.filter(follow_up_on__gte=as_of).order_by().values_list("pk", flat=True)
        .union(Activity.objects.filter(next_action_on__gte=as_of).order_by().values_list("customer_id", flat=True))
    )
    return invoices, customers


def without_plan(open_frame: pd.DataFrame, *, as_of: date) -> pd.DataFrame:
    """Invoices more than 30 days past due at `as_of` with no plan (no promise, no dispute, no follow-up)."""
    invoices, customers = planned(as_of=as_of)
    late = open_frame[open_frame["days_past_due"] > NO_PLAN_DAYS]
    return late[~late["invoice_id"].isin(invoices) & ~late["customer_id"].isin(customers)]


def overall(figures: dict, empty):
    """Fold per-collector figures (dataclasses with `+`) into one."""
    total = empty
    for value in figures.values():
        total = total + value
    return total
