"""The team dashboard: per collector AR, past due, work KPIs and target, the top past-due accounts with
their headline, and the figures its charts draw. Every figure comes from reporting (frames,
work_metrics, the forecast) so the dashboard and the reports agree; a fixed number of queries."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pandas as pd
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from core.aging import BUCKETS
from core.money import ZERO
from ledger.models import Customer
from reporting import work_metrics as wm
from reporting.cache import kept
from reporting.frames import decimal_sums, open_invoices
from team.selectors import TargetRow, TargetTotals, target_rows, target_totals
from work.models import Activity, Dispute, PromiseToPay

TOP_ACCOUNTS = 20
RANK_MARGIN = 5  # candidates beyond the top ones added up exactly (see top_past_due)

# One of a collector's top past-due accounts (or families): customer_id, customer, past_due,
# oldest_days, invoices, accounts, headline.
TopAccount = dict[str, Any]


@dataclass
class CollectorRow:
    collector: User
    ar: Decimal
    past_due: Decimal
    no_plan_amount: Decimal
    no_plan_invoices: int
    no_plan_accounts: int
    touches: wm.Touches
    coverage: wm.Coverage
    promises: wm.PromiseKept
    open_disputes: int
    open_dispute_age: Decimal | None
    cycle: wm.CycleTime
    cycle_by_cause: dict[str, wm.CycleTime]
    target: TargetRow
    buckets: dict[str, Decimal]
    accounts: list[TopAccount]


@dataclass
class Dashboard:
    as_of: date
    start: date
    rows: list[CollectorRow]
    accounts: dict[int, list[TopAccount]]  # collector id -> top past-due accounts
    disputes: list[dict[str, Any]]
    cycle: dict[str, Any]
    touches_by_day: list[tuple[date, dict[int, int]]]  # [(date, {collector id: n})]
    targets_total: TargetTotals
    base_currency: str = ""  # every amount on the dashboard is in it


@kept
def team_dashboard(*, collectors: Iterable[User], as_of: date, period_days: int = 30,
                   families: bool = False) -> Dashboard:
    """Per collector: AR, past due, > 30 days past due without a plan, touches, coverage, promise-kept
    rate, open disputes and cycle time by root cause, collected vs. target — all aggregated in the
    database or in one pandas frame per source."""
    collectors = list(collectors)
    ids = [c.pk for c in collectors]
    start = as_of - timedelta(days=period_days - 1)
    frame = open_invoices(as_of)
    frame = frame[frame["collector_id"].isin(ids)]
    mine = Customer.objects.filter(portfolio__collector__in=ids)
    no_plan = wm.without_plan(frame, as_of=as_of)
    touches = wm.touches(start=start, end=as_of, users=ids)
    coverage = wm.coverage(frame, as_of=as_of)
    promises = wm.promise_kept(start=start, end=as_of, customers=mine)
    cycle = labelled_causes(wm.dispute_cycle_time(start=start, end=as_of, customers=mine))
    disputes = wm.open_disputes(as_of=as_of, customers=mine)
    targets = {c.pk: r for c, r in zip(collectors, target_rows(collectors=collectors, as_of=as_of), strict=True)}
    accounts = top_past_due(frame, ids, as_of=as_of, families=families)
    # AR is the sum of its buckets and past due the sum of all but the current one (≤ 0 days): one
    # pass over the frame, the totals added up from the buckets exactly.
    by_bucket = decimal_sums(frame, ["collector_id", "bucket"], "open_base")
    no_plan_amount = decimal_sums(no_plan, "collector_id", "open_base")
    no_plan_invoices = no_plan.groupby("collector_id").size().to_dict()
    no_plan_accounts = no_plan.groupby("collector_id")["customer_id"].nunique().to_dict()
    rows = []
    for c in collectors:
        own_disputes = [d for d in disputes if d["collector_id"] == c.pk]
        by_collector = cycle["by_collector"].get(c.pk, {})
        rows.append(CollectorRow(
            collector=c,
            ar=sum((by_bucket.get((c.pk, b), ZERO) for b in BUCKETS), ZERO),
            past_due=sum((by_bucket.get((c.pk, b), ZERO) for b in BUCKETS[1:]), ZERO),
            no_plan_amount=no_plan_amount.get(c.pk, ZERO),
            no_plan_invoices=int(no_plan_invoices.get(c.pk, 0)),
            no_plan_accounts=int(no_plan_accounts.get(c.pk, 0)),
            touches=touches.get(c.pk) or wm.Touches(days=wm.working_days(start, as_of),
                                                     weeks=Decimal(period_days) / Decimal(7)),
            coverage=coverage.get(c.pk) or wm.Coverage(0, 0),
            promises=promises.get(c.pk) or wm.PromiseKept(),
            open_disputes=len(own_disputes),
            open_dispute_age=(Decimal(sum(d["age_days"] for d in own_disputes)) / len(own_disputes)
                              if own_disputes else None),
            cycle=by_collector.get("overall") or wm.CycleTime(0, None, None),
            cycle_by_cause=by_collector.get("by_root_cause", {}),
            target=targets[c.pk],
            buckets={b: by_bucket.get((c.pk, b), ZERO) for b in BUCKETS},
            accounts=accounts.get(c.pk, []),
        ))
    days = [start + timedelta(days=n) for n in range(period_days)]
    return Dashboard(
        as_of=as_of, start=start, rows=rows, accounts=accounts,
        disputes=disputes, cycle=cycle,
        touches_by_day=[(d, {c.pk: (touches.get(c.pk) or wm.Touches()).by_day.get(d, 0) for c in collectors})
                        for d in days],
        targets_total=target_totals(list(targets.values())), base_currency=settings.BASE_CURRENCY,
    )


def labelled_causes(cycle: dict[str, Any]) -> dict[str, Any]:
    """Cycle times keyed by the root cause's label ("Missing / wrong PO"), not its code ("po")."""
    labels = dict(Dispute.RootCause.choices)

    def relabel(by_cause: dict) -> dict:
        return {labels.get(code, code): figures for code, figures in sorted(by_cause.items())}

    return {**cycle, "by_root_cause": relabel(cycle["by_root_cause"]),
            "by_collector": {pk: {**c, "by_root_cause": relabel(c["by_root_cause"])}
                             for pk, c in cycle["by_collector"].items()}}


def top_past_due(frame: pd.DataFrame, collector_ids: Iterable[int], *, as_of: date, limit: int = TOP_ACCOUNTS,
                 families: bool = False) -> dict[int, list[TopAccount]]:
    """Each collector's `limit` largest past-due accounts (or account families: the accounts of one
    family in the collector's portfolio added up) with a one-line headline (the latest promise,
    dispute or activity on the account or family). Four queries whatever the number of collectors."""
    late = frame[frame["days_past_due"] > 0]
    if late.empty:
        return {pk: [] for pk in collector_ids}
    key, name = ("family_id", "family") if families else ("customer_id", "customer")
    # Rank every account by a float sum (vectorised), then add up the few candidates exactly: the
    # exact Decimal sums decide the order and the figures shown. The margin absorbs float rounding.
    ranked = (
        late.assign(approx=late["open_base"].astype(float)).groupby(["collector_id", key], dropna=False, sort=False)
        .agg(approx=("approx", "sum")).reset_index()
        .sort_values(["collector_id", "approx"], ascending=[True, False])
        .groupby("collector_id").head(limit + RANK_MARGIN)
    )
    candidates = late.merge(ranked[["collector_id", key]], on=["collector_id", key])
    per_account = (
        candidates.groupby(["collector_id", key, name], dropna=False)
        .agg(past_due=("open_base", lambda s: sum(s, ZERO)), oldest=("days_past_due", "max"),
             invoices=("invoice_id", "count"), members=("customer_id", lambda s: sorted(set(s))))
        .reset_index()
    )
    top = (per_account.sort_values(["collector_id", "past_due"], ascending=[True, False], kind="stable")
           .groupby("collector_id").head(limit))
    events = latest_events([m for members in top["members"] for m in members])
    result: dict[int, list[TopAccount]] = {pk: [] for pk in collector_ids}
    row: Any  # pandas-stubs types a named tuple's fields as any scalar; these are the columns built above
    for row in top.itertuples(index=False):
        found = [events[m] for m in row.members if m in events]
        result.setdefault(row.collector_id, []).append({
            "customer_id": getattr(row, key), "customer": getattr(row, name), "past_due": row.past_due,
            "oldest_days": int(row.oldest), "invoices": int(row.invoices), "accounts": len(row.members),
            "headline": max(found, key=lambda e: e[0])[1] if found else "",
        })
    return result


def account_headlines(customer_ids: Iterable[int]) -> dict[int, str]:
    """The latest promise, dispute or activity of each account, as one line. Four queries."""
    return {pk: text for pk, (_, text) in latest_events(customer_ids).items()}


def latest_events(customer_ids: Iterable[int]) -> dict[int, tuple[date, str]]:
    """(date, one line) of the latest promise, dispute or activity of each account. Four queries."""
    latest = list(
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(
            activity_id=Subquery(Activity.objects.filter(customer=OuterRef("pk")).exclude(kind=Activity.Kind.SYSTEM)
                                 .order_by("-occurred_at", "-pk").values("pk")[:1]),
            promise_id=Subquery(PromiseToPay.objects.filter(customer=OuterRef("pk"))
                                .order_by("-created_at", "-pk").values("pk")[:1]),
            dispute_id=Subquery(Dispute.objects.filter(customer=OuterRef("pk"))
                                .order_by("-opened_on", "-pk").values("pk")[:1]),
        )
        .values_list("pk", "activity_id", "promise_id", "dispute_id")
    )
    activities = Activity.objects.in_bulk([a for _, a, _, _ in latest if a])
    promises = PromiseToPay.objects.in_bulk([p for _, _, p, _ in latest if p])
    disputes = Dispute.objects.in_bulk([d for _, _, _, d in latest if d])
    lines: dict[int, tuple[date, str]] = {}
    for customer_id, a, p, d in latest:
        # (date, how to word it): only the latest of the three is worded (dates are slow to format).
        candidates: list[tuple[date, Callable[[], str]]] = []
        if a:
            candidates.append((activities[a].occurred_at.date(), partial(_activity_line, activities[a])))
        if p:
            candidates.append((promises[p].created_at.date(), partial(_promise_line, promises[p])))
        if d:
            candidates.append((disputes[d].opened_on, partial(_dispute_line, disputes[d])))
        if candidates:
            on, line = max(candidates, key=lambda c: c[0])
            lines[customer_id] = (on, line())
    return lines


def _activity_line(act: Activity) -> str:
    outcome = f" — {act.get_outcome_display()}" if act.outcome else ""
    on = date_format(timezone.localtime(act.occurred_at).date())
    return f"{act.get_kind_display()}{outcome} on {on}" + (f": {act.subject}" if act.subject else "")


def _promise_line(pr: PromiseToPay) -> str:
    return f"Promise {pr.amount:,.2f} by {date_format(pr.pay_by)} ({pr.get_status_display().lower()})"


def _dispute_line(di: Dispute) -> str:
    return (f"Dispute: {di.get_root_cause_display()} {di.amount:,.2f} "
            f"({di.get_status_display().lower()} since {date_format(di.opened_on)})")


def dashboard_chart(dashboard: Dashboard) -> dict[str, Any]:
    """The figures the dashboard's charts draw: past due by bucket per collector, collected vs target,
    and touches per day."""
    names = [r.collector.get_full_name() or r.collector.username for r in dashboard.rows]
    return {
        "collectors": names,
        "buckets": {b: [float(r.buckets.get(b, ZERO)) for r in dashboard.rows] for b in BUCKETS},
        "collected": [float(r.target.collected) for r in dashboard.rows],
        "forecast": [float(r.target.forecast) for r in dashboard.rows],
        "target": [float(r.target.target) if r.target.target is not None else None for r in dashboard.rows],
        "days": [d.isoformat() for d, _ in dashboard.touches_by_day],
        "touches": {name: [counts.get(r.collector.pk, 0) for _, counts in dashboard.touches_by_day]
                    for name, r in zip(names, dashboard.rows, strict=True)},
    }
