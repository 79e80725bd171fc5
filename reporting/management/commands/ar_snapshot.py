"""python manage.py ar_snapshot [--date YYYY-MM-DD ...] [--month-ends N] [--due]: take AR snapshots by
hand, e.g. the last 12 month-ends after loading a book so the trends read snapshots at once."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting.aging import month_ends as last_month_ends
from reporting.services import ar_snapshot_take, ar_snapshots_due


class Command(BaseCommand):
    help = "Take (or retake) the daily AR snapshot of some days."

    def add_arguments(self, parser):
        parser.add_argument("--date", action="append", default=[], dest="dates", help="YYYY-MM-DD (repeatable)")
        parser.add_argument("--month-ends", type=int, default=0, help="the last N month-ends before today")
        parser.add_argument("--due", action="store_true", help="every ended day without a snapshot (the nightly job)")

    def handle(self, *args, dates: list, month_ends: int, due: bool, **options):
        days = set()
        for text in dates:
            try:
                days.add(date.fromisoformat(text))
            except ValueError:
                raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from None
        if month_ends:
            today = timezone.localdate()
            days.update(d for d in last_month_ends(today, month_ends) if d < today)
        if due:
            days.update(ar_snapshots_due())
        if not days:
            raise CommandError("Say which days: --date, --month-ends or --due")
        for day in sorted(days):
            snapshot = ar_snapshot_take(on=day)
            total = f"{snapshot.total:.2f} {settings.BASE_CURRENCY}"
            self.stdout.write(f"{day}: {snapshot.customers} customers, AR {total}")

