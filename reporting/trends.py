"""AR by bucket at several dates (month-ends) for trends: read from the nightly snapshots where a
complete and current snapshot of that day exists, recomputed from the ledger otherwise.

A snapshot is current unless a ledger write dated on or before its day (a payment dated yesterday
keyed this morning, a back-dated import, a reversal) is still pending (`ledger.touch`): such a day
is recomputed here until `services.ar_snapshots_refresh` has retaken it, so a snapshot figure always
equals its recomputation."""

from datetime import date

from django.db.models import Exists, OuterRef, Sum

from core.aging import BUCKETS
from core.money import ZERO
from ledger.touch import touches_on_or_before
from reporting.aging import bucket_totals, month_ends, percent
from reporting.cache import kept
from reporting.frames import BOOK, Scope, open_sums_at
from reporting.models import ArSnapshot, ArSnapshotDay


def _from_snapshots(dates: list[date], scope: Scope) -> dict[date, dict]:
    if scope.currency or not dates:
        return {}
    current = ArSnapshotDay.objects.filter(date__in=dates).exclude(
        Exists(touches_on_or_before(OuterRef("date"))))  # stale: retaken later, recomputed until then
    complete = set(current.values_list("date", flat=True))
    if not complete:
        return {}
    fields = ArSnapshot.BUCKET_FIELDS
    rows = (
        scope.filter(ArSnapshot.objects.filter(date__in=complete), currency_field=None)
        .order_by()
        .values("date")
        .annotate(**{f: Sum(f) for f in fields.values()})
    )
    found = {day: {"total": ZERO, "buckets": dict.fromkeys(BUCKETS, ZERO), "source": "snapshot"} for day in complete}
    for row in rows:
        buckets = {name: row[f] or ZERO for name, f in fields.items()}
        found[row["date"]] = {"total": sum(buckets.values(), ZERO), "buckets": buckets, "source": "snapshot"}
    return found


def ar_series(dates: list[date], scope: Scope = BOOK) -> dict[date, dict]:
    """{date: {"total", "buckets", "source"}} for each date: the snapshots where a complete one exists,
    the others recomputed from the ledger together (the open sums per currency, issue day and due
    day: three queries for all of them, `open_sums_at`)."""
    series = _from_snapshots(sorted(set(dates)), scope)
    for day, frame in open_sums_at(set(dates) - set(series), scope).items():
        buckets = bucket_totals(frame)
        series[day] = {"total": sum(buckets.values(), ZERO), "buckets": buckets, "source": "ledger"}
    return series


@kept
def aging_trend(*, as_of: date, months: int = 12, collector=None, segment=None, currency=None) -> list[dict]:
    """AR by bucket at each of the last `months` month-ends, oldest first."""
    dates = month_ends(as_of, months)
    series = ar_series(dates, Scope(collector=collector, segment=segment, currency=currency))
    out = []
    for day in dates:
        point = series[day]
        out.append({
            "date": day, "total": point["total"], "buckets": point["buckets"], "source": point["source"],
            "pct_current": percent(point["buckets"]["current"], point["total"]),
        })
    return out
