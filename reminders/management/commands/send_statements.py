from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders.statements import statement_run


def month_arg(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise CommandError(f"--month must be YYYY-MM, got {value!r}") from None


class Command(BaseCommand):
    help = "Issue the month's statements (this month unless --month YYYY-MM); accounts already done are skipped."

    def add_arguments(self, parser):
        parser.add_argument("--month", type=month_arg, default=None)

    def handle(self, *args, month=None, **options):
        month = month or timezone.localdate().replace(day=1)
        run = statement_run(month=month)
        run.refresh_from_db()
        self.stdout.write(f"statements {month:%Y-%m}: {run.total} accounts, {run.done} issued, status {run.status}")
