"""Read paths of the team pages: who a user may see, targets against cash, the team dashboard rows and
the top past-due accounts with their headline. Every figure comes from reporting (frames, work_metrics,
the forecast) so the team pages and the reports agree; each function runs a fixed number of queries."""

import json
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from core.aging import BUCKETS
from core.money import ZERO
from ledger.models import Customer
from portfolios.access import can_manage, has_role, sees_everything
from portfolios.models import Role
from reporting import work_metrics as wm
from reporting.cache import kept
from reporting.forecast import collected_by_collector, forecast
from reporting.frames import open_invoices
from team.models import HelpRequest, MonthlyTarget, OneOnOne
from work.models import Activity, Dispute, Escalation, PromiseToPay

TOP_ACCOUNTS = 20


def month_bounds(day: date) -> tuple[date, date]:
    return day.replace(day=1), day.replace(day=monthrange(day.year, day.month)[1])


def collectors_visible_to(user) -> QuerySet:
    """Managers, finance and admins see every collector; a collector sees only themselves."""
    collectors = get_user_model().objects.filter(groups__name=Role.COLLECTOR, is_active=True).order_by("username")
    if sees_everything(user):
        return collectors
    if has_role(user, Role.COLLECTOR):
        return collectors.filter(pk=user.pk)
    return collectors.none()


def collector_for_page(user, username: str):
    """The collector whose one-on-one `user` opens: managers, finance and admins any collector, a
    collector only their own (PermissionDenied otherwise, raised by the view), unknown names 404."""
    collector = get_object_or_404(get_user_model(), username=username, groups__name=Role.COLLECTOR)
    return collector, (sees_everything(user) or collector.pk == user.pk)


def can_edit_one_on_one(user) -> bool:
    return can_manage(user)


# --- Targets ------------------------------------------------------------------------------------------------


def month_targets(month: date, collector_ids) -> dict[int, Decimal]:
    """Each collector's target for the month: their own target, plus the targets set on the portfolios
    they hold. One query."""
    rows = (
        MonthlyTarget.objects.filter(month=month)
        .values_list("collector_id", "portfolio__collector_id", "amount")
    )
    targets: dict[int, Decimal] = {}
    for own, through_portfolio, amount in rows:
        key = own or through_portfolio
        if key in collector_ids:
            targets[key] = targets.get(key, ZERO) + amount
    return targets


@dataclass
class TargetRow:
    collector: object
    target: Decimal | None
    collected: Decimal
    forecast: Decimal

    @property
    def gap(self) -> Decimal | None:
        """Month target − collected month to date."""
        return None if self.target is None else self.target - self.collected

    @property
    def projected_gap(self) -> Decimal | None:
        """Month target − (collected month to date + forecast to month end)."""
        return None if self.target is None else self.target - (self.collected + self.forecast)

    @property
    def attainment(self) -> Decimal | None:
        return wm.percent(self.collected, self.target)


def target_rows(*, collectors, as_of: date) -> list[TargetRow]:
    collectors = list(collectors)
    first, last = month_bounds(as_of)
    ids = {c.pk for c in collectors}
    targets = month_targets(first, ids)
    collected = collected_by_collector(first, as_of)
    expected = {row["collector"]: row["forecast"] for row in forecast(as_of=as_of, horizon_end=last).by_collector}
    return [
        TargetRow(c, targets.get(c.pk), collected.get(c.username, ZERO), expected.get(c.username, ZERO))
        for c in collectors
    ]


def target_totals(rows: list[TargetRow]) -> TargetRow:
    with_target = [r.target for r in rows if r.target is not None]
    return TargetRow(
        None, sum(with_target, ZERO) if with_target else None,
        sum((r.collected for r in rows), ZERO), sum((r.forecast for r in rows), ZERO),
    )


# --- Team dashboard -------------------------------------------------------------------------------------------


@dataclass
class CollectorRow:
    collector: object
    ar: Decimal = ZERO
    past_due: Decimal = ZERO
    no_plan_amount: Decimal = ZERO
    no_plan_invoices: int = 0
    no_plan_accounts: int = 0
    touches: wm.Touches = None
    coverage: wm.Coverage = None
    promises: wm.PromiseKept = None
    open_disputes: int = 0
    open_dispute_age: Decimal | None = None
    cycle: wm.CycleTime = None
    cycle_by_cause: dict = field(default_factory=dict)
    target: TargetRow = None
    buckets: dict = field(default_factory=dict)
    accounts: list = field(default_factory=list)


@dataclass
class Dashboard:
    as_of: date
    start: date
    rows: list
    accounts: dict  # collector id -> list of top past-due accounts
    disputes: list
    cycle: dict
    touches_by_day: list  # [(date, {collector id: n})]
    targets_total: TargetRow


@kept
def team_dashboard(*, collectors, as_of: date, period_days: int = 30, families: bool = False) -> Dashboard:
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
    cycle = wm.dispute_cycle_time(start=start, end=as_of, customers=mine)
    disputes = wm.open_disputes(as_of=as_of, customers=mine)
    targets = {r.collector.pk: r for r in target_rows(collectors=collectors, as_of=as_of)}
    accounts = top_past_due(frame, ids, as_of=as_of, families=families)
    rows = []
    for c in collectors:
        own = frame[frame["collector_id"] == c.pk]
        late = no_plan[no_plan["collector_id"] == c.pk]
        own_disputes = [d for d in disputes if d["collector_id"] == c.pk]
        by_collector = cycle["by_collector"].get(c.pk, {})
        rows.append(CollectorRow(
            collector=c,
            ar=sum(own["open_base"], ZERO),
            past_due=sum(own.loc[own["days_past_due"] > 0, "open_base"], ZERO),
            no_plan_amount=sum(late["open_base"], ZERO),
            no_plan_invoices=len(late),
            no_plan_accounts=late["customer_id"].nunique(),
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
            buckets={b: sum(own.loc[own["bucket"] == b, "open_base"], ZERO) for b in BUCKETS},
            accounts=accounts.get(c.pk, []),
        ))
    days = [start + timedelta(days=n) for n in range(period_days)]
    return Dashboard(
        as_of=as_of, start=start, rows=rows, accounts=accounts,
        disputes=disputes, cycle=cycle,
        touches_by_day=[(d, {c.pk: (touches.get(c.pk) or wm.Touches()).by_day.get(d, 0) for c in collectors})
                        for d in days],
        targets_total=target_totals(list(targets.values())),
    )


def top_past_due(frame: pd.DataFrame, collector_ids, *, as_of: date, limit: int = TOP_ACCOUNTS,
                 families: bool = False) -> dict:
    """Each collector's `limit` largest past-due accounts (or account families: the accounts of one
    family in the collector's portfolio added up) with a one-line headline (the latest promise,
    dispute or activity on the account or family). Four queries whatever the number of collectors."""
    late = frame[frame["days_past_due"] > 0]
    if late.empty:
        return {pk: [] for pk in collector_ids}
    key, name = ("family_id", "family") if families else ("customer_id", "customer")
    per_account = (
        late.groupby(["collector_id", key, name], dropna=False)
        .agg(past_due=("open_base", lambda s: sum(s, ZERO)), oldest=("days_past_due", "max"),
             invoices=("invoice_id", "count"), members=("customer_id", lambda s: sorted(set(s))))
        .reset_index()
    )
    per_account["sort"] = per_account["past_due"].astype(float)
    top = (per_account.sort_values(["collector_id", "sort"], ascending=[True, False])
           .groupby("collector_id").head(limit))
    events = latest_events([m for members in top["members"] for m in members])
    result = {pk: [] for pk in collector_ids}
    for row in top.itertuples(index=False):
        found = [events[m] for m in row.members if m in events]
        result.setdefault(row.collector_id, []).append({
            "customer_id": getattr(row, key), "customer": getattr(row, name), "past_due": row.past_due,
            "oldest_days": int(row.oldest), "invoices": int(row.invoices), "accounts": len(row.members),
            "headline": max(found, key=lambda e: e[0])[1] if found else "",
        })
    return result


def account_headlines(customer_ids) -> dict[int, str]:
    """The latest promise, dispute or activity of each account, as one line. Four queries."""
    return {pk: text for pk, (_, text) in latest_events(customer_ids).items()}


def latest_events(customer_ids) -> dict[int, tuple]:
    """(date, one line) of the latest promise, dispute or activity of each account. Four queries."""
    latest = (
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
    latest = list(latest)
    activities = Activity.objects.in_bulk([a for _, a, _, _ in latest if a])
    promises = PromiseToPay.objects.in_bulk([p for _, _, p, _ in latest if p])
    disputes = Dispute.objects.in_bulk([d for _, _, _, d in latest if d])
    lines = {}
    for customer_id, a, p, d in latest:
        candidates = []
        if a:
            act = activities[a]
            outcome = f" — {act.get_outcome_display()}" if act.outcome else ""
            candidates.append((act.occurred_at.date(), f"{act.get_kind_display()}{outcome} on {act.occurred_at:%b %d}"
                               + (f": {act.subject}" if act.subject else "")))
        if p:
            pr = promises[p]
            candidates.append((pr.created_at.date(), f"Promise {pr.amount:,.2f} by {pr.pay_by:%b %d} "
                                                     f"({pr.get_status_display().lower()})"))
        if d:
            di = disputes[d]
            candidates.append((di.opened_on, f"Dispute: {di.get_root_cause_display()} {di.amount:,.2f} "
                                             f"({di.get_status_display().lower()} since {di.opened_on:%b %d})"))
        if candidates:
            lines[customer_id] = max(candidates, key=lambda c: c[0])
    return lines



# --- Weekly one-on-one ----------------------------------------------------------------------------------------

STUCK_ESCALATION_DAYS = 7
AGING_DISPUTE_DAYS = 30


def week_of(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def last_week(today: date) -> date:
    """The Monday of the last full week before `today`."""
    return week_of(today) - timedelta(days=7)


def _accounts(frame: pd.DataFrame) -> dict[int, dict]:
    if frame.empty:
        return {}
    grouped = frame.groupby(["customer_id", "customer"]).agg(amount=("open_base", lambda s: sum(s, ZERO)))
    return {cid: {"customer_id": cid, "customer": name, "amount": amount}
            for (cid, name), amount in grouped["amount"].items()}


@kept
def one_on_one_summary(*, collector, week_start: date) -> dict:
    """What happened in the collector's week (Monday `week_start` to Sunday): successes, pain points and
    the help they asked for, with the week's work KPIs. A plain dict of strings and numbers, so the same
    summary is stored with the one-on-one and mailed to the manager. A fixed number of queries."""
    end = week_start + timedelta(days=6)
    mine = Customer.objects.filter(portfolio__collector=collector)
    before = open_invoices(week_start - timedelta(days=1))
    after = open_invoices(end)
    before, after = before[before["collector_id"] == collector.pk], after[after["collector_id"] == collector.pk]
    late_before = _accounts(before[before["days_past_due"] > 0])
    late_after = _accounts(after[after["days_past_due"] > 0])
    # Crossed 61 days past due during the week: 61+ at its end, at most 60 the day before it began.
    aged = _accounts(after[(after["days_past_due"] >= 61) & (after["days_past_due"] <= 67)])
    received = collected_by_collector(week_start, end, collector=collector.pk)
    S = PromiseToPay.Status
    promises = list(
        PromiseToPay.objects.filter(customer__in=mine, pay_by__range=(week_start, end),
                                    status__in=[S.KEPT, S.PARTIALLY_KEPT, S.BROKEN])
        .select_related("customer").order_by("pay_by", "pk")
    )
    kept = wm.promise_kept(start=week_start, end=end, customers=mine)
    resolved = list(Dispute.objects.filter(customer__in=mine, status=Dispute.Status.RESOLVED,
                                           resolved_on__range=(week_start, end))
                    .select_related("customer").order_by("resolved_on", "pk"))
    aging = [d for d in wm.open_disputes(as_of=end, customers=mine) if d["age_days"] > AGING_DISPUTE_DAYS]
    stuck = list(Escalation.objects.filter(customer__in=mine, closed_at__isnull=True,
                                           created_at__date__lte=end - timedelta(days=STUCK_ESCALATION_DAYS))
                 .select_related("customer", "level").order_by("created_at"))
    help_items = list(HelpRequest.objects.filter(raised_by=collector, created_at__date__lte=end)
                      .filter(Q(status=HelpRequest.Status.OPEN) | Q(created_at__date__gte=week_start))
                      .select_related("customer").order_by("created_at"))
    touches = wm.touches(start=week_start, end=end, users=[collector.pk]).get(collector.pk) or wm.Touches(
        days=wm.working_days(week_start, end))
    coverage = wm.coverage(after, as_of=end).get(collector.pk) or wm.Coverage(0, 0)
    figures = sum(kept.values(), wm.PromiseKept())
    summary = {
        "collector": collector.get_username(),
        "week_start": week_start, "week_end": end,
        "successes": {
            "collected": sum(received.values(), ZERO),
            "promises_kept": [_promise(p) for p in promises if p.status == S.KEPT],
            "promise_kept_rate_count": wm.rounded(figures.rate_by_count, "0.1"),
            "promise_kept_rate_amount": wm.rounded(figures.rate_by_amount, "0.1"),
            "disputes_resolved": [
                {"customer_id": d.customer_id, "customer": d.customer.name, "root_cause": d.get_root_cause_display(),
                 "amount": d.amount, "days": (d.resolved_on - d.opened_on).days,
                 "resolution": d.get_resolution_display()}
                for d in resolved
            ],
            "brought_current": [late_before[c] for c in sorted(late_before) if c not in late_after],
        },
        "pain_points": {
            "promises_broken": [_promise(p) for p in promises if p.status != S.KEPT],
            "aged_into_61": list(aged.values()),
            "escalations_stuck": [
                {"customer_id": e.customer_id, "customer": e.customer.name, "level": e.level.name,
                 "days": (end - e.created_at.date()).days}
                for e in stuck
            ],
            "disputes_aging": [
                {"customer_id": d["customer_id"], "customer": d["customer__name"], "root_cause": d["root_cause_label"],
                 "amount": d["amount"], "days": d["age_days"]}
                for d in aging
            ],
        },
        "help_needed": [
            {"id": h.pk, "customer_id": h.customer_id, "customer": h.customer.name, "message": h.message,
             "raised_on": h.created_at.date(), "status": h.get_status_display()}
            for h in help_items
        ],
        "kpis": {
            "touches": touches.total, "touches_per_day": wm.rounded(touches.per_day, "0.1"),
            "coverage": wm.rounded(coverage.rate, "0.1"), "past_due_accounts": coverage.past_due_accounts,
            "past_due_end": sum((a["amount"] for a in late_after.values()), ZERO),
        },
    }
    return json.loads(json.dumps(summary, cls=DjangoJSONEncoder))


def _promise(p: PromiseToPay) -> dict:
    return {"customer_id": p.customer_id, "customer": p.customer.name, "amount": p.amount,
            "amount_paid": p.amount_paid, "pay_by": p.pay_by, "status": p.get_status_display()}


def one_on_one_history(collector, limit: int = 12) -> QuerySet:
    return OneOnOne.objects.filter(collector=collector).select_related("saved_by").order_by("-week_start")[:limit]


def collectors_managed_by(manager) -> QuerySet:
    """The collectors whose summaries a manager receives: those of the teams they manage, or every
    collector when they manage no team (a one-team company rarely sets teams up)."""
    collectors = get_user_model().objects.filter(groups__name=Role.COLLECTOR, is_active=True).order_by("username")
    teams = manager.managed_teams.all()
    if teams.exists():
        return collectors.filter(collector_profile__team__in=teams).distinct()
    return collectors


def managers_to_mail() -> QuerySet:
    return get_user_model().objects.filter(groups__name=Role.MANAGER, is_active=True).exclude(email="").order_by("pk")


def can_raise_help(user) -> bool:
    """Help-needed flags are the collector's; managers resolve them."""
    return has_role(user, Role.COLLECTOR)


def help_requests_for(user, limit: int = 100) -> list:
    """A collector sees the flags they raised; managers, finance and admins see everyone's, open first."""
    items = HelpRequest.objects.select_related("customer", "raised_by", "resolved_by")
    if not sees_everything(user):
        items = items.filter(raised_by=user)
    return list(items.order_by("status", "-created_at")[:limit])


def dashboard_chart(dashboard: Dashboard) -> dict:
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
