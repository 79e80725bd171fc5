"""Read paths of the weekly one-on-one: whose page a user may open, the week's summary (successes,
pain points, help needed, KPIs) and the saved history. Figures come from reporting (frames,
work_metrics, the forecast) so the summary and the reports agree; a fixed number of queries."""

import json
from datetime import date, timedelta
from typing import Any

import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from core.money import ZERO
from ledger.models import Customer
from portfolios.access import can_manage, sees_everything
from portfolios.models import Role
from reporting import work_metrics as wm
from reporting.cache import kept
from reporting.forecast import collected_by_collector
from reporting.frames import Scope, open_invoices_at
from team.models import HelpRequest, OneOnOne
from work.models import Dispute, Escalation, PromiseToPay

STUCK_ESCALATION_DAYS = 7
AGING_DISPUTE_DAYS = 30


def collector_for_page(user: User, username: str) -> tuple[User, bool]:
    """The collector whose one-on-one `user` opens: managers, finance and admins any collector, a
    collector only their own (PermissionDenied otherwise, raised by the view), unknown names 404."""
    collector = get_object_or_404(get_user_model(), username=username, groups__name=Role.COLLECTOR)
    return collector, (sees_everything(user) or collector.pk == user.pk)


def can_edit_one_on_one(user: User) -> bool:
    return can_manage(user)


def week_of(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def last_week(today: date) -> date:
    """The Monday of the last full week before `today`."""
    return week_of(today) - timedelta(days=7)


def _accounts(frame: pd.DataFrame) -> dict[int, dict[str, Any]]:
    if frame.empty:
        return {}
    grouped = frame.groupby(["customer_id", "customer"]).agg(amount=("open_base", lambda s: sum(s, ZERO)))
    index: Any  # pandas-stubs types an index label as Hashable; here it is (customer_id, customer)
    accounts: dict[int, dict[str, Any]] = {}
    for index, amount in grouped["amount"].items():
        cid, name = index
        accounts[cid] = {"customer_id": cid, "customer": name, "amount": amount}
    return accounts


@kept
def one_on_one_summary(*, collector: User, week_start: date) -> dict[str, Any]:
    """What happened in the collector's week (Monday `week_start` to Sunday): successes, pain points and
    the help they asked for, with the week's work KPIs. A plain dict of strings and numbers, so the same
    summary is stored with the one-on-one and mailed to the manager. A fixed number of queries."""
    end = week_start + timedelta(days=6)
    mine = Customer.objects.filter(portfolio__collector=collector)
    # Only the collector's invoices, both dates from one read (the book's other portfolios are not read)
    read = open_invoices_at([week_start - timedelta(days=1), end], Scope(collector=collector.pk))
    before, after = read[week_start - timedelta(days=1)], read[end]
    late_before = _accounts(before[before["days_past_due"] > 0])
    late_after = _accounts(after[after["days_past_due"] > 0])
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
                 "amount": d.amount, "days": _days(d.opened_on, d.resolved_on),
                 "resolution": d.get_resolution_display()}
                for d in resolved
            ],
            "brought_current": [late_before[c] for c in sorted(late_before) if c not in late_after],
        },
        "pain_points": _pain_points(mine=mine, after=after, broken=[p for p in promises if p.status != S.KEPT],
                                    end=end),
        "help_needed": _help_needed(collector=collector, week_start=week_start, end=end),
        "kpis": {
            "touches": touches.total, "touches_per_day": wm.rounded(touches.per_day, "0.1"),
            "coverage": wm.rounded(coverage.rate, "0.1"), "past_due_accounts": coverage.past_due_accounts,
            "past_due_end": sum((a["amount"] for a in late_after.values()), ZERO),
        },
    }
    result: dict[str, Any] = json.loads(json.dumps(summary, cls=DjangoJSONEncoder))
    return result


def _pain_points(*, mine: QuerySet[Customer], after: pd.DataFrame, broken: list[PromiseToPay], end: date
                 ) -> dict[str, list[dict[str, Any]]]:
    """Broken promises, accounts that aged past 60 days, escalations stuck and disputes aging."""
    # Crossed 61 days past due during the week: 61+ at its end, at most 60 the day before it began.
    aged = _accounts(after[(after["days_past_due"] >= 61) & (after["days_past_due"] <= 67)])
    stuck = list(Escalation.objects.filter(customer__in=mine, closed_at__isnull=True,
                                           created_at__date__lte=end - timedelta(days=STUCK_ESCALATION_DAYS))
                 .select_related("customer", "level").order_by("created_at"))
    aging = [d for d in wm.open_disputes(as_of=end, customers=mine) if d["age_days"] > AGING_DISPUTE_DAYS]
    return {
        "promises_broken": [_promise(p) for p in broken],
        "aged_into_61": list(aged.values()),
        "escalations_stuck": [
            {"customer_id": e.customer_id, "customer": e.customer.name, "level": e.level.name,
             "days": (end - e.created_at.date()).days}
            for e in stuck
        ],
        "disputes_aging": [
            {"customer_id": d["customer_id"], "customer": d["customer__name"], "root_cause": d["root_cause_label"],
             "amount": d["amount_base"], "days": d["age_days"]}  # base currency, like every amount here
            for d in aging
        ],
    }


def _help_needed(*, collector: User, week_start: date, end: date) -> list[dict[str, Any]]:
    """The help the collector asked for: still open, or raised this week."""
    help_items = (HelpRequest.objects.filter(raised_by=collector, created_at__date__lte=end)
                  .filter(Q(status=HelpRequest.Status.OPEN) | Q(created_at__date__gte=week_start))
                  .select_related("customer").order_by("created_at"))
    return [
        {"id": h.pk, "customer_id": h.customer_id, "customer": h.customer.name, "message": h.message,
         "raised_on": h.created_at.date(), "status": h.get_status_display()}
        for h in help_items
    ]


def _days(start: date, end: date | None) -> int:
    """Days from `start` to `end`; a resolved dispute always has its resolution day."""
    assert end is not None, "a resolved dispute has resolved_on"
    return (end - start).days


def _promise(p: PromiseToPay) -> dict[str, Any]:
    return {"customer_id": p.customer_id, "customer": p.customer.name, "amount": p.amount,
            "amount_paid": p.amount_paid, "pay_by": p.pay_by, "status": p.get_status_display()}


def one_on_one_history(collector: User, limit: int = 12) -> QuerySet[OneOnOne]:
    return OneOnOne.objects.filter(collector=collector).select_related("saved_by").order_by("-week_start")[:limit]
