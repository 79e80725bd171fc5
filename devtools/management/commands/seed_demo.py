from datetime import date

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.db_stats import refresh_planner_statistics
from devtools.demo import book
from devtools.demo.bank import bank_statements_write
from devtools.demo.charges import seed_charges
from devtools.demo.holds import seed_holds_and_e_delivery
from devtools.demo.plans import seed_plans
from ledger.models import Customer
from reporting.services import months_forecast_due, months_forecast_take, paid_facts_take
from work.promises import promises_settle
from work.queue.services import queue_build


class Command(BaseCommand):
    help = (
        "Load the demo book: six collectors, a manager, finance and admin (password 'workbench'), "
        "customers in account families with two years of invoices (one on the large book), payments, credits "
        "and collection work."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(book.SIZES), default="small",
                            help="small: ~2,500 customers / ~88,000 invoices over two years; large: ~20,000 / "
                                 "~500,000 over one.")
        parser.add_argument("--seed", type=int, default=42, help="The same seed and as-of date give the same book.")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                            help="The book's 'today' (YYYY-MM-DD); invoices run up to it. Default: today.")
        parser.add_argument("--history-months", type=int, default=None,
                            help="Months of invoices before the as-of day, at least 12 (default: 24 small, the "
                                 "forecast backtest's 12 months each need a year before them; 12 large).")
        parser.add_argument("--customers", type=int, default=None, help="Override the number of customers.")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when the database already has customers (used by make run).")

    def handle(self, *args, size, seed: int, as_of, customers, if_empty, history_months: int | None, **options):
        if Customer.objects.exists():
            if if_empty:
                self.stdout.write("The database already has customers; demo book not loaded.")
                return
            raise CommandError("The database already has customers: seed_demo loads into an empty book "
                               "(use --if-empty to skip, or start from a fresh database).")
        if customers is not None and customers < 1:
            raise CommandError("--customers must be at least 1.")
        if history_months is not None and history_months < book.MIN_HISTORY_MONTHS:
            raise CommandError(f"--history-months must be at least {book.MIN_HISTORY_MONTHS}.")
        as_of = as_of or timezone.localdate()
        self.stdout.write(f"Loading the {size} demo book as of {as_of} (seed {seed})…")
        summary = book.seed(size=size, seed=seed, as_of=as_of, customers=customers, history_months=history_months,
                       log=self.stdout.write if options["verbosity"] > 1 else None)
        self.stdout.write(self.style.SUCCESS(f"Demo book loaded: {summary}"))
        # What the nightly jobs would have left behind: settled promises, this morning's queues
        # and month-end AR snapshots for the trend charts.
        refresh_planner_statistics()
        settled = promises_settle(on=as_of)
        seed_plans(as_of=as_of)
        self.stdout.write(seed_holds_and_e_delivery(seed=seed, as_of=as_of))
        self.stdout.write(seed_charges(as_of=as_of))
        queued = queue_build(on=as_of)
        call_command("ar_snapshot", "--month-ends", "12", verbosity=0)
        months_forecast_take(months_forecast_due(today=as_of))  # the closed months' forecast against actual
        paid_facts_take(today=as_of)  # the closed months' paid invoices, for the payment behaviour
        self.stdout.write(f"{settled} promises settled, {queued} queue items built, month-end snapshots stored.")
        # A month of bank statements paying some of the open invoices, to try the cash application
        # with (Cash → Import, or `import_bank_statement`); nothing is imported by itself.
        statements = bank_statements_write(settings.VAR_DIR / "demo" / "bank", seed=seed, on=as_of)
        for path in statements:
            self.stdout.write(f"Bank statement to try the cash application with: {path}")
