"""python manage.py import_ar --customers F --invoices F --payments F --credits F [--dry-run]"""

import time

from django.core.management.base import BaseCommand, CommandError

from core.db_stats import refresh_planner_statistics
from erp.services import erp_import_files

# After this many rows the tables have changed enough for the query planner to need new statistics.
BIG_IMPORT_ROWS = 10_000


class Command(BaseCommand):
    help = ("Import ERP exports (CSV) into the ledger, all or nothing. Prints what was created, updated "
            "and unchanged per file, or every bad row; with errors nothing is written and the exit code is 1.")

    def add_arguments(self, parser):
        parser.add_argument("--customers", metavar="FILE", help="customers.csv")
        parser.add_argument("--invoices", metavar="FILE", help="invoices.csv")
        parser.add_argument("--payments", metavar="FILE", help="payments.csv")
        parser.add_argument("--credits", metavar="FILE", help="credit_notes.csv")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")

    def handle(self, *args, **options):
        files = {kind: options[kind] for kind in ("customers", "invoices", "payments", "credits") if options[kind]}
        if not files:
            raise CommandError("Give at least one of --customers, --invoices, --payments, --credits.")
        for kind, path in files.items():
            try:
                open(path, "rb").close()
            except OSError as problem:
                raise CommandError(f"--{kind} {path}: {problem.strerror}") from None
        started = time.monotonic()
        result = erp_import_files(**files, dry_run=options["dry_run"], progress=self.progress(options["verbosity"]))
        seconds = time.monotonic() - started
        if not result.ok:
            for line in result.error_lines():
                self.stderr.write(line)
            raise CommandError(f"{len(result.errors)} problem(s) found; nothing was written.")
        for line in result.summary_lines():
            self.stdout.write(line)
        rate = f" ({result.rows / seconds:,.0f} rows/s)" if seconds > 0 else ""
        verb = "Checked (dry run, nothing written)" if result.dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {result.rows:,} rows in {seconds:.1f} s{rate}."))
        if not result.dry_run and result.rows >= BIG_IMPORT_ROWS:
            refresh_planner_statistics()

    def progress(self, verbosity: int):
        if verbosity < 2:
            return None
        last, started = [None], time.monotonic()

        def report(stage: str, processed: int) -> None:
            if stage != last[0]:
                self.stdout.write(f"{time.monotonic() - started:7.1f} s  {stage} ({processed:,} rows read)")
                last[0] = stage

        return report
