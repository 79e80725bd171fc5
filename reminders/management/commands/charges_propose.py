from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reminders.charges import charges_propose


class Command(BaseCommand):
    help = ("Propose late-payment interest up to a date (the statement date; today unless --as-of) on every open "
            "invoice past an interest step, and any fee still due; a person then approves or waives each.")

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args, as_of=None, **options):
        as_of = as_of or timezone.localdate()
        if as_of > timezone.localdate():
            raise CommandError("Interest cannot be proposed for days that have not happened yet.")
        result = charges_propose(as_of=as_of)
        self.stdout.write(f"charges proposed up to {as_of}: {result.fees} fee(s), {result.interest} interest, "
                          f"on {result.customers} account(s)")
