"""Import speed: a synthetic ERP export (ledger.imports.sample_book) imported into this
database inside a transaction that is rolled back, so the book is the same before and after."""

import csv
import gc
import tempfile
import time
from pathlib import Path

from django.db import connection, transaction

from devtools.benchmarks.memory import peak_mib, peak_reset, resident_mib
from ledger.imports.engine import import_files
from ledger.imports.sample_book import write_sample_book
from ledger.models import Application, CreditNote, Customer, Invoice, Payment
from portfolios.models import Assignment

PREFIX = "BENCH-"
ID_COLUMNS = {"customer_id", "parent_id", "invoice_id", "payment_id", "credit_id"}


class _Undo(Exception):
    """Raised after the import was timed, to roll it back."""


def _prefix_ids(path: Path) -> None:
    """Give every ERP id in the file the bench prefix, so the sample cannot collide with the book's
    own ids (the sample book numbers customers C000000… and invoices INV0000000…, as seeds do)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    columns = [n for n, name in enumerate(header) if name in ID_COLUMNS]
    for row in rows[1:]:
        for n in columns:
            if row[n]:
                row[n] = PREFIX + row[n]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def check_deferred_constraints() -> None:
    """Run now the checks the database would run at commit (PostgreSQL defers foreign-key checks to
    the end of the transaction), so that the timing includes them although nothing is committed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _vacuum_ledger() -> None:
    """PostgreSQL: clear the dead rows earlier rolled-back runs left in the tables the import writes,
    as autovacuum would (without it each rerun of the bench inserts into ever larger indexes)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table)
                       for model in (Customer, Assignment, Invoice, Payment, CreditNote, Application))
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


def import_rate(invoices: int) -> dict:
    """Rows per second importing a sample book of `invoices` invoices (and its customers, payments
    and credit notes); nothing stays in the database."""
    if invoices <= 0:
        return {"skipped": "--import-invoices 0"}
    if (Customer.objects.filter(external_id__startswith=PREFIX).exists()
            or Invoice.objects.filter(external_id__startswith=PREFIX).exists()):
        return {"skipped": f"the book already holds ids starting {PREFIX!r}; the sample would update them"}
    with tempfile.TemporaryDirectory(prefix="cw-bench-import-") as folder:
        paths = write_sample_book(Path(folder), invoices=invoices, collectors=())
        for path in paths.values():
            _prefix_ids(path)
        _vacuum_ledger()
        size = sum(path.stat().st_size for path in paths.values())
        gc.collect()
        measured = peak_reset()
        before = resident_mib()
        start = time.perf_counter()
        try:
            with transaction.atomic():
                result = import_files(**paths)
                check_deferred_constraints()
                seconds = time.perf_counter() - start
                raise _Undo
        except _Undo:
            pass
    if not result.ok:
        return {"skipped": f"the import was refused: {result.error_lines()[0]}", "errors": len(result.errors)}
    # The import streams (ledger.imports.engine): its peak should not grow with the book.
    memory = {"peak_mib": peak_mib(), "peak_over_start_mib": round(peak_mib() - before, 1),
              "files_mib": round(size / 2**20, 1)} if measured and before is not None else {}
    return {"invoices": invoices, "rows": result.rows, "seconds": round(seconds, 3), "rolled_back": True,
            "rows_per_second": round(result.rows / seconds) if seconds else None, "summary": result.summary,
            **memory}
