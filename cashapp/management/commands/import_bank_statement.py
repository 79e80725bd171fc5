"""python manage.py import_bank_statement FILE [--format auto|camt053|camt054|mt940|bai2|csv]
[--mapping MAPPING.json] [--dry-run] [--json]

Imports a bank statement (all or nothing; a file imported before adds nothing) and matches its
customer receipts: sure matches are posted at once, the rest wait in the cash application
worklist. `--json` prints exactly {"lines", "credits", "applied", "to_review", "unmatched",
"skipped"}; a bad file prints one message per problem (with its line) and exits with status 1.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from banking.ingest import StatementError
from banking.models import StatementFile
from cashapp.services import statement_import_and_match

KEYS = ("lines", "credits", "applied", "to_review", "unmatched", "skipped")


class Command(BaseCommand):
    help = "Import a bank statement file and match its receipts to customers and invoices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", default="auto", choices=["auto", *StatementFile.Format.values])
        parser.add_argument("--mapping", type=Path, help="A CSV mapping (JSON) for --format csv.")
        parser.add_argument("--dry-run", action="store_true", help="Parse and match; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        mapping = self._mapping(options["mapping"])
        try:
            figures = statement_import_and_match(data=data, filename=path.name, format=options["format"],
                                                 dry_run=options["dry_run"], mapping=mapping)
        except StatementError as error:
            for problem in error.errors:
                where = f"line {problem['line']}: " if problem.get("line") else ""
                self.stderr.write(f"{path.name}: {where}{problem['message']}")
            raise CommandError(f"{path.name}: nothing was imported.", returncode=1) from None
        figures = {key: figures[key] for key in KEYS}
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        done = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            f"{path.name}: {figures['lines']} lines, {figures['credits']} customer receipts "
            f"({figures['skipped']} lines imported before). Of the receipts, {figures['applied']} {done} applied, "
            f"{figures['to_review']} wait for review, {figures['unmatched']} are unmatched.")

    def _mapping(self, path: Path | None) -> dict | None:
        if path is None:
            return None
        try:
            mapping = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"{path}: not a readable JSON mapping ({error}).") from None
        if not isinstance(mapping, dict):
            raise CommandError(f"{path}: a mapping is a JSON object of column names.")
        return mapping
