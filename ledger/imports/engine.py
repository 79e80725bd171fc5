"""The ERP import: customers, invoices, payments and credit notes, all or nothing.

Two doors, one set of rules: `import_files` reads the CSV exports (the command and the upload page),
`import_rows` takes lists of dicts with the same column names (the REST API). Both stream the rows
in two passes inside one transaction (`run_import`): memory holds a chunk of rows, never a file, so
a 200,000-row import peaks where a 50,000-row one does. Either every bad row is listed (up to
MAX_ISSUES) and nothing is written, or everything is. Importing the same data again changes
nothing; the ERP's ids say which records are the same.
"""

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

from ledger.imports.checks import Checker
from ledger.imports.reading import Table, table_from_csv, table_from_dicts
from ledger.imports.staging import Stage
from ledger.imports.validation import FILE_NAMES, KINDS, ImportIssue, id_of, parse_cells
from ledger.imports.writing import Writer
from ledger.touch import ledger_touch

# progress(stage, processed rows): called every few thousand rows and at each stage. Each row is
# handled twice (read, then written), so each pass counts for half.
Progress = Callable[[str, int], None]

CHUNK = 10_000  # rows checked and written at a time
MAX_ISSUES = 20_000  # problems listed before the import stops reading


@dataclass
class ImportResult:
    ok: bool
    errors: list[dict] = field(default_factory=list)  # [{file, row, column, reason}]
    # kind → {created, updated, unchanged}; payments also {linked} when the ERP booked payments taken here
    summary: dict = field(default_factory=dict)
    dry_run: bool = False
    rows: int = 0
    # Existing invoices whose balance the import moved; their promises and plans settle afterwards.
    moved_invoice_ids: list[int] = field(default_factory=list)
    # --- dupes ---
    # Warnings about what was written, added by the ERP door once the import committed (possible
    # duplicates and discrepancies flagged: work.discrepancies). Never a refusal.
    warnings: list[str] = field(default_factory=list)
    # When the import began writing (None if it wrote nothing): what it created or changed is dated
    # from then on, so a door can look at exactly what was written.
    written_at: datetime | None = None
    # How each file read through a mapping was read: {kind: "CSV, windows-1252 (detected), ';' (detected)"}.
    read_with: dict[str, str] = field(default_factory=dict)
    # --- end dupes ---

    def summary_lines(self) -> list[str]:
        return [f"{FILE_NAMES[kind]}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged"
                + (f", {counts['linked']} linked to payments taken here" if counts.get("linked") else "")
                for kind, counts in self.summary.items()]

    def error_lines(self) -> list[str]:
        return [str(ImportIssue(**error)) for error in self.errors]


def import_rows(*, customers=None, invoices=None, payments=None, credits=None, dry_run: bool = False, by=None,
                progress: Progress | None = None) -> ImportResult:
    """Import rows given as dicts keyed by the CSV column names (values as strings or native types:
    Decimal, int, date). Row numbers in errors count each list from 1."""
    given = {"customers": customers, "invoices": invoices, "payments": payments, "credits": credits}
    with cyclic_gc_paused():
        tables = {kind: table_from_dicts(kind, rows) for kind, rows in given.items() if rows}
        return run_import(tables, dry_run=dry_run, by=by, progress=progress)


def import_files(*, customers=None, invoices=None, payments=None, credits=None, dry_run: bool = False, by=None,
                 progress: Progress | None = None) -> ImportResult:
    """Import CSV exports, each given as a path, bytes or an open binary file. Row numbers in errors
    are the file's line numbers (the header is row 1)."""
    given = {"customers": customers, "invoices": invoices, "payments": payments, "credits": credits}
    with cyclic_gc_paused():
        tables = {kind: table_from_csv(kind, source) for kind, source in given.items() if source is not None}
        return run_import(tables, dry_run=dry_run, by=by, progress=progress)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector off while an import builds its hundreds of thousands of rows and
    records: allocating them sets off full collections that walk every object in the process (0.5 s
    of a 4 s import in a fresh process, 0.9 s in a worker that has run reports). The import's objects
    hold no reference cycles, so reference counting frees them as before; cycles made meanwhile by
    other threads are collected once the import ends. It is left off if it was off already."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Rollback(Exception):
    """Leave the import's transaction without writing: bad rows were found, or this is a dry run."""


def run_import(tables: dict[str, Table], *, dry_run: bool = False, by=None,
               progress: Progress | None = None) -> ImportResult:
    """`_run_import`, and how each file was read (what was detected), accepted or not."""
    result = _run_import(tables, dry_run=dry_run, by=by, progress=progress)
    result.read_with = {kind: table.detected.describe() for kind, table in tables.items() if table.detected}
    return result


def _run_import(tables: dict[str, Table], *, dry_run: bool = False, by=None,
                progress: Progress | None = None) -> ImportResult:
    """Two passes over the upload, inside one transaction. The first reads every file row by row,
    checks each row on its own and parks it in a staging table; the second reads the good rows back a
    chunk at a time, checks each chunk against the ledger and the rest of the upload, and writes it,
    so that the next chunk is checked against the ledger as the earlier ones left it. Any bad row (or
    a dry run) rolls everything back. Memory holds one chunk, never a file."""
    report = progress or (lambda stage, processed: None)
    issues = [issue for table in tables.values() for issue in table.issues]
    if not tables:
        issues.append(ImportIssue("", 0, "", "nothing to import: give at least one file"))
    if issues:
        return _rejected(issues)
    issues = [issue for table in tables.values() for issue in table.row_issues]
    outcome: dict = {}
    try:
        with transaction.atomic():
            stages = _first_pass(tables, issues, report)
            total = outcome["rows"] = sum(stage.rows for stage in stages.values())
            unreadable = [issue for table in tables.values() for issue in table.issues]  # found while reading
            if unreadable:
                outcome["issues"] = unreadable
                raise _Rollback
            checker, writer = Checker(stages, issues), Writer(by=by)
            done = 0
            for kind in (kind for kind in KINDS if kind in stages):
                report(f"Checking and writing {FILE_NAMES[kind]}", (total + done) // 2)
                for rows in _chunks(stages[kind].good_rows()):
                    writer.write(kind, checker.check(kind, rows), users=checker.users)
                    done += len(rows)
                    report(f"Checking and writing {FILE_NAMES[kind]}", (total + done) // 2)
                    if len(issues) >= MAX_ISSUES:
                        break
                if kind == "customers":
                    writer.customers_done()
                if len(issues) >= MAX_ISSUES:
                    issues.append(ImportIssue("", 0, "", f"more than {MAX_ISSUES:,} problems: the rest of the "
                                                         f"upload was not checked"))
                    break
            outcome["summary"] = checker.final_summary()
            if issues or dry_run:
                raise _Rollback
            ledger_touch(on=writer.earliest)
            for stage in stages.values():
                stage.drop()
            outcome["moved"] = writer.moved_invoice_ids()
            outcome["written_at"] = writer.now  # (dupes)
    except _Rollback:
        if "issues" in outcome:
            return _rejected(outcome["issues"])
        if issues:
            return _rejected(issues)
    except IntegrityError as refused:
        # Most likely another import (or the API) wrote one of these ERP ids while this one ran.
        first_line = str(refused).splitlines()[0] if str(refused) else "a constraint failed"
        return _rejected([ImportIssue("", 0, "", f"the database refused the import ({first_line}); nothing was "
                                                 f"written. If another import ran at the same time, run this "
                                                 f"one again")])
    return ImportResult(ok=True, summary=outcome["summary"], dry_run=dry_run, rows=outcome["rows"],
                        moved_invoice_ids=outcome.get("moved", []), written_at=outcome.get("written_at"))


def _first_pass(tables: dict[str, Table], issues: list, report: Progress) -> dict[str, Stage]:
    """Read every row once, check it on its own, park it; the rows are never all in memory."""
    stages, read = {}, 0
    for kind, table in tables.items():
        stage = stages[kind] = Stage(kind)
        for row, values in table.rows:
            cells = parse_cells(kind, row, values, issues)
            if cells is None:
                stage.add_bad(row, id_of(kind, values))
            else:
                stage.add(row, cells)
            read += 1
            if read % CHUNK == 0:
                report("Reading and checking rows", read // 2)
        table.rows = ()
        stage.close_first_pass()
    return stages


def _chunks(rows: Iterator[tuple[int, object]]) -> Iterator[list]:
    """Chunks of about CHUNK rows; the rows of one ERP id (one payment's applications) stay together."""
    batch: list = []
    for first_row, record in rows:
        if len(batch) >= CHUNK and first_row != batch[-1][0]:
            yield batch
            batch = []
        batch.append((first_row, record))
    if batch:
        yield batch


def _rejected(issues: list[ImportIssue]) -> ImportResult:
    order = {kind: index for index, kind in enumerate(KINDS)}
    issues = sorted(issues, key=lambda issue: (order.get(issue.file, -1), issue.row))
    return ImportResult(ok=False, errors=[issue.as_dict() for issue in issues])
