"""python manage.py import_ar --customers F --invoices F --payments F --credits F [--dry-run]
[--mapping NAME|FILE.json] [--date-format {iso,dmy,mdy}] [--decimal-comma] [--default-currency XXX]
[--map field=Column ...] [--create-customers] …

Without a mapping option the files are our own CSV (UTF-8, ',', our columns). With one they are
read as an ERP exports them (ledger.imports.mapping): a profile or a JSON file, and/or the flags
(the flags win over the profile's options).
"""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.db_stats import refresh_planner_statistics
from erp.models import MappingProfile
from erp.services import erp_import_files
from ledger.imports.detect import SAMPLE, detect, reads_as_ours
from ledger.imports.mapping import DATE_FORMATS, SIGNS, Mapping, MappingError

# After this many rows the tables have changed enough for the query planner to need new statistics.
BIG_IMPORT_ROWS = 10_000


class Command(BaseCommand):
    help = ("Import ERP exports (CSV or XLSX) into the ledger, all or nothing. Prints what was created, updated "
            "and unchanged per file, or every bad row; with errors nothing is written and the exit code is 1.")

    def add_arguments(self, parser):
        parser.add_argument("--customers", metavar="FILE", help="customers.csv")
        parser.add_argument("--invoices", metavar="FILE", help="invoices.csv")
        parser.add_argument("--payments", metavar="FILE", help="payments.csv")
        parser.add_argument("--credits", metavar="FILE", help="credit_notes.csv")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        mapping = parser.add_argument_group("reading an ERP's own export")
        mapping.add_argument("--mapping", metavar="NAME|FILE.json", help="a saved mapping profile, or a JSON file "
                                                                          "of the same options")
        mapping.add_argument("--date-format", choices=tuple(DATE_FORMATS), help="iso YYYY-MM-DD, dmy D/M/YYYY, "
                                                                                 "mdy M/D/YYYY")
        mapping.add_argument("--decimal-comma", action="store_true", help="amounts are written 1234,50")
        mapping.add_argument("--thousands", metavar="SEP", help="the thousands separator: , . space or '")
        mapping.add_argument("--parentheses-negative", action="store_true", help="(12.50) is -12.50")
        mapping.add_argument("--sign", choices=tuple(SIGNS), help="; ".join(f"{k}: {v}" for k, v in SIGNS.items()))
        mapping.add_argument("--default-currency", metavar="XXX", help="for rows without a currency: an ISO code, "
                                                                       "or 'customer' for the customer's")
        mapping.add_argument("--encoding", help="the files' encoding (detected when not given)")
        mapping.add_argument("--delimiter", help="the CSV delimiter: , ; tab | (detected when not given)")
        mapping.add_argument("--sheet", help="the XLSX sheet to read (the first when not given)")
        mapping.add_argument("--map", action="append", default=[], metavar="field=Column",
                             help="our column = the export's column (repeatable); 'invoices.amount=Total' for "
                                  "one file only. Unmapped columns of the export are then ignored")
        mapping.add_argument("--create-customers", action="store_true",
                             help="without a customers file: make the invoices' customers that do not exist "
                                  "(named from --map customer_name=Column, else their id)")

    def handle(self, *args, **options):
        files = {kind: options[kind] for kind in ("customers", "invoices", "payments", "credits") if options[kind]}
        if not files:
            raise CommandError("Give at least one of --customers, --invoices, --payments, --credits.")
        for kind, path in files.items():
            try:
                open(path, "rb").close()
            except OSError as problem:
                raise CommandError(f"--{kind} {path}: {problem.strerror}") from None
        mapping = self.mapping(options)
        if mapping is None and not all(reads_as_ours(path) for path in files.values()):
            mapping = Mapping()  # another encoding or delimiter, or a workbook: detected (our own columns)
        if mapping is not None and options["verbosity"] >= 1:
            self.stdout.write(f"Reading with: {mapping.describe()}")
            for kind, path in files.items():
                with open(path, "rb") as handle:
                    found = detect(handle.read(SAMPLE), encoding=mapping.encoding, delimiter=mapping.delimiter)
                self.stdout.write(f"--{kind} {path}: {found.describe()}")
        started = time.monotonic()
        result = erp_import_files(**files, mapping=mapping, dry_run=options["dry_run"],
                                  progress=self.progress(options["verbosity"]))
        seconds = time.monotonic() - started
        if not result.ok:
            for line in result.error_lines():
                self.stderr.write(line)
            raise CommandError(f"{len(result.errors)} problem(s) found; nothing was written.")
        for line in result.summary_lines():
            self.stdout.write(line)
        for line in result.warnings:  # (dupes) possible duplicates flagged: warnings, the import stands
            self.stdout.write(self.style.WARNING(line))
        rate = f" ({result.rows / seconds:,.0f} rows/s)" if seconds > 0 else ""
        verb = "Checked (dry run, nothing written)" if result.dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {result.rows:,} rows in {seconds:.1f} s{rate}."))
        if not result.dry_run and result.rows >= BIG_IMPORT_ROWS:
            refresh_planner_statistics()

    def mapping(self, options) -> Mapping | None:
        """The profile or JSON file, with the flags over it; None when no option is given."""
        base = self.base_mapping(options["mapping"]) if options["mapping"] else None
        changes: dict = {}
        for option, key in (("date_format", "date_format"), ("thousands", "thousands"), ("sign", "sign"),
                            ("default_currency", "default_currency"), ("encoding", "encoding"),
                            ("delimiter", "delimiter"), ("sheet", "sheet")):
            if options[option] is not None:
                changes[key] = " " if options[option] == "space" else options[option]
        for flag, key, value in (("decimal_comma", "decimal", ","), ("parentheses_negative", "parentheses", True),
                                 ("create_customers", "create_customers", True)):
            if options[flag]:
                changes[key] = value
        columns = {}
        for pair in options["map"]:
            ours, equals, theirs = pair.partition("=")
            if not equals or not ours.strip() or not theirs.strip():
                raise CommandError(f"--map {pair}: write our column=the export's column, e.g. invoice_id=DocNo")
            columns[ours.strip()] = theirs.strip()
        if base is None and not changes and not columns:
            return None
        base = base or Mapping()
        if columns:
            changes["columns"] = base.columns | columns
        try:
            return base.replaced(**changes)
        except MappingError as problem:
            raise CommandError(f"The mapping options are not usable: {problem}") from None

    def base_mapping(self, name: str) -> Mapping:
        path = Path(name)
        try:
            if path.suffix.lower() == ".json" or path.is_file():
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except OSError as problem:
                    raise CommandError(f"--mapping {name}: {problem.strerror}") from None
                except (ValueError, UnicodeDecodeError) as problem:
                    raise CommandError(f"--mapping {name}: not a JSON file ({problem})") from None
                return Mapping.from_dict(data)
            profile = MappingProfile.objects.filter(name=name).first()
            if profile is None:
                known = ", ".join(MappingProfile.objects.values_list("name", flat=True)) or "none saved yet"
                raise CommandError(f"--mapping {name}: no such profile (profiles: {known}) and no such file")
            return profile.mapping()
        except MappingError as problem:
            raise CommandError(f"--mapping {name}: {problem}") from None

    def progress(self, verbosity: int):
        if verbosity < 2:
            return None
        last, started = [None], time.monotonic()

        def report(stage: str, processed: int) -> None:
            if stage != last[0]:
                self.stdout.write(f"{time.monotonic() - started:7.1f} s  {stage} ({processed:,} rows read)")
                last[0] = stage

        return report
