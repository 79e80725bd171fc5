"""Writes of the reporting app: the daily AR snapshot (no ledger money changes here)."""

from datetime import date, timedelta
from typing import cast

from django.db import transaction
from django.utils import timezone

from core.aging import BUCKETS
from core.money import ZERO
from reporting.aging import lines_of
from reporting.frames import open_invoices
from reporting.models import ArSnapshot, ArSnapshotDay

CATCH_UP_DAYS = 31


def ar_snapshot_take(*, on: date) -> ArSnapshotDay:
    """Record what every customer owed at the end of `on`, by aging bucket, recomputed from the ledger.
    Taking the same day again replaces it, so a re-run or a second worker changes nothing."""
    lines = lines_of(open_invoices(on), "customer")
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
