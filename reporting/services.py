"""Writes of the reporting app: the daily AR snapshot and the closed months' forecast against actual
(no ledger money changes here)."""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import cast

import pandas as pd
from django.db import transaction
from django.utils import timezone

from core.aging import BUCKETS
from core.money import ZERO
from ledger.touch import touches_clear, touches_pending
from reporting.aging import lines_of, month_ends
from reporting.behaviour import window_start
from reporting.forecast import months_computed
from reporting.frames import first_issue_date, open_invoices_at
from reporting.models import ArSnapshot, ArSnapshotDay, MonthForecast, PaidMonthTaken
from reporting.paid_months import months_due, paid_months_take, paid_window_take

CATCH_UP_DAYS = 31
MONTHS_KEPT = 24  # closed months stored as facts (the forecast page shows 6, the KPI history 12)
RETAKE_BATCH_DAYS = 31  # days recomputed together (three queries) when stale snapshots are retaken


def ar_snapshot_take(*, on: date) -> ArSnapshotDay:
    """Record what every customer owed at the end of `on`, by aging bucket, recomputed from the ledger
    (and retake any stored day a back-dated write made stale, see `ar_snapshots_refresh`).
    Taking the same day again replaces it, so a re-run or a second worker changes nothing."""
    ar_snapshots_refresh(also=[on])
    return ArSnapshotDay.objects.get(date=on)


def ar_snapshots_refresh(*, also: Iterable[date] = ()) -> list[date]:
    """A ledger write dated on or before a stored snapshot (yesterday's cash keyed this morning, a
    back-dated import, a reversal, a void) makes it stale: retake every stored snapshot from the
    earliest date such writes touched (and the days in `also`), then forget those writes — only the
    ones read before retaking: one that commits meanwhile stays pending, and the days it touched are
    recomputed from the ledger by the reports until the next run. Returns the days (re)taken."""
    pending = touches_pending()
    days = set(also)
    if pending:
        since = min(day for _, day in pending)
        days.update(ArSnapshotDay.objects.filter(date__gte=since).values_list("date", flat=True))
    ordered = sorted(days)
    for first in range(0, len(ordered), RETAKE_BATCH_DAYS):
        chunk = ordered[first:first + RETAKE_BATCH_DAYS]
        frames = open_invoices_at(chunk)
        for day in chunk:
            _store(day, frames[day])
    if pending:
        months_forecast_take(list(MonthForecast.objects.filter(ends_on__gte=since).values_list("ends_on", flat=True)))
    touches_clear([pk for pk, _ in pending])
    return ordered


def months_forecast_take(ends: list[date]) -> list[MonthForecast]:
    """Store (or retake) the whole book's forecast against actual of the months ending on `ends`
    (closed months: a month still running is refused), recomputed from the ledger together."""
    today = timezone.localdate()
    if any(end >= today for end in ends):
        raise ValueError("Only a month that has closed is stored as a fact.")
    stored = []
    for end, row in months_computed(sorted(set(ends))).items():
        month, _ = MonthForecast.objects.update_or_create(month=row["start"], defaults={
            "ends_on": end, "forecast": row["forecast"], "at_risk": row["at_risk"], "actual": row["actual"]})
        stored.append(month)
    return stored


def paid_facts_take(*, today: date) -> list[PaidMonthTaken]:
    """Retake the paid invoices of the last closed months, then add up today's payment-behaviour
    window of them once in base (`reporting.paid_months`)."""
    taken = paid_months_take(months_due(today))
    paid_window_take(window_start(today), today)
    return taken


def months_forecast_due(*, today: date | None = None) -> list[date]:
    """Ends of the closed months of the last MONTHS_KEPT with no stored forecast against actual yet
    (normally the month that ended yesterday; more after a stopped worker or on first install),
    from the first month the book has history for."""
    today = timezone.localdate() if today is None else today
    first = first_issue_date()
    if first is None:
        return []
    ends = [end for end in month_ends(today - timedelta(days=1), MONTHS_KEPT) if end < today and end >= first]
    have = set(MonthForecast.objects.filter(ends_on__in=ends).values_list("ends_on", flat=True))
    return [end for end in ends if end not in have]


def _store(on: date, frame: pd.DataFrame) -> ArSnapshotDay:
    lines = lines_of(frame, "customer")
    fields = ArSnapshot.BUCKET_FIELDS
    rows = [  # lines grouped by "customer" are keyed by the customer's id
        ArSnapshot(date=on, customer_id=cast(int, line.key), total=line.total,
                   **{fields[name]: line.buckets[name] for name in BUCKETS})
        for line in lines
    ]
    with transaction.atomic():
        ArSnapshot.objects.filter(date=on).delete()
        ArSnapshot.objects.bulk_create(rows, batch_size=1000)
        day, _ = ArSnapshotDay.objects.update_or_create(
            date=on, defaults={"customers": len(rows), "total": sum((line.total for line in lines), ZERO)}
        )
    return day


def ar_snapshots_due(*, today: date | None = None) -> list[date]:
    """Days that ended and have no snapshot yet: yesterday, and any day missed since the last one
    (at most CATCH_UP_DAYS back), so a stopped worker loses no day."""
    today = today or timezone.localdate()
    yesterday = today - timedelta(days=1)
    last = ArSnapshotDay.objects.filter(date__lte=yesterday).order_by("-date").values_list("date", flat=True).first()
    start = max(last + timedelta(days=1), yesterday - timedelta(days=CATCH_UP_DAYS - 1)) if last else yesterday
    return [start + timedelta(days=n) for n in range((yesterday - start).days + 1)]
