"""Where an upload's rows wait between the two passes: one temporary table per file, in the import's
own transaction (it goes with a rollback, and is dropped at the end).

The first pass parks every row there as soon as it is read and checked on its own (good rows with
their parsed cells as text, bad rows with just their ERP id), so Python never holds a whole file. The
second pass reads the good rows back a chunk at a time in (first row of their ERP id, row) order:
a repeated id is then plain to see (its `first_row` is an earlier row) and the rows of one payment
come together even when the file scatters them. Questions about the rest of the upload ("is C9 in
the customers file?", "who heads C9's family in it?") are one query per chunk here.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from datetime import date
from decimal import Decimal

from django.db import connection

from ledger.imports.bulk import copy_rows
from ledger.imports.existing import chunks
from ledger.imports.validation import CELLS, RECORDS

# Rows read back per fetch, and rows parked per write.
BATCH = 5000


def _converter(kind_of: object) -> Callable[[str], object] | None:
    if kind_of is Decimal:
        return Decimal
    if kind_of is date:
        return date.fromisoformat
    if kind_of is int:
        return int
    return None  # text stays text


class Stage:
    """The rows of one file of the upload, parked in `import_<kind>_rows`."""

    def __init__(self, kind: str):
        self.kind = kind
        self.record = RECORDS[kind]
        # The file's cells after the id, in the order of the record's fields after row and external_id.
        width = len(CELLS[kind]) - 1
        self.fields = [f.name for f in fields(self.record)][2:2 + width]
        self.convert = [_converter(f.type) for f in fields(self.record)][2:2 + width]
        # Cells written as text for the table: amounts, dates and numbers (the id is cell 0).
        self.not_text = [index + 1 for index, to in enumerate(self.convert) if to is not None]
        self.table = connection.ops.quote_name(f"import_{kind}_rows")
        self.pending: list[tuple] = []
        self.rows = 0
        columns = ", ".join(f"c_{name} TEXT" for name in self.fields)
        on_commit = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            # Nothing to drop first: the table goes with the import's transaction if it rolls back,
            # and `drop` removes it when it commits.
            cursor.execute(f"CREATE TEMPORARY TABLE {self.table} (line INTEGER NOT NULL, bad INTEGER NOT NULL, "
                           f"id TEXT NOT NULL, {columns}){on_commit}")

    # The first pass.
    def add(self, row: int, cells: list) -> None:
        """Park a good row: its parsed cells (`validation.parse_cells`), the ERP id first."""
        for index in self.not_text:
            cells[index] = str(cells[index])
        self.pending.append((row, 0, *cells))
        self.rows += 1
        if len(self.pending) >= BATCH:
            self.flush()

    def add_bad(self, row: int, external_id: str) -> None:
        """Park a bad row's ERP id ('' when the id itself is bad): a later row with the same id is a
        duplicate, and a reference to it is not reported as unknown on top of the row's own issue."""
        self.pending.append((row, 1, external_id, *[None] * len(self.fields)))
        self.rows += 1
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        names = ["line", "bad", "id", *[f"c_{name}" for name in self.fields]]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                copy_rows(cursor, self.table, names, self.pending, not_null=names)
            else:
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(f"INSERT INTO {self.table} ({', '.join(names)}) VALUES ({marks})", self.pending)
        self.pending = []

    def close_first_pass(self) -> None:
        """The index serves the second pass's lookups by id; a table of one batch does without."""
        self.flush()
        if self.rows <= BATCH:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {connection.ops.quote_name(f'import_{self.kind}_rows_id')} "
                           f"ON {self.table} (id, line)")

    # The second pass.
    def good_rows(self) -> Iterator[tuple[int, object]]:
        """(first row of the ERP id, record) for every good row, in (first row, row) order."""
        columns = ", ".join(f"c_{name}" for name in self.fields)
        query = (f"SELECT first_row, line, id, {columns} FROM (SELECT *, MIN(line) OVER (PARTITION BY id) AS "
                 f"first_row FROM {self.table} WHERE id <> '') AS upload WHERE bad = 0 ORDER BY first_row, line")
        record, convert = self.record, self.convert
        with connection.chunked_cursor() as cursor:
            cursor.execute(query)
            while batch := cursor.fetchmany(BATCH):
                for first_row, row, external_id, *cells in batch:
                    yield first_row, record(row, external_id, *[
                        value if to is None or value is None else to(value) for to, value in zip(convert, cells,
                                                                                                strict=True)])

    def present(self, ids: Iterable[str]) -> set[str]:
        """The ids that are on a row of this file, good or bad."""
        found: set[str] = set()
        with connection.cursor() as cursor:
            for chunk in chunks(set(ids)):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT DISTINCT id FROM {self.table} WHERE id IN ({marks})", chunk)
                found.update(external_id for (external_id,) in cursor.fetchall())
        return found

    def first_good(self, ids: Iterable[str], column: str, *, by: str = "id") -> list[tuple[str, str]]:
        """(id, `column`) of the rows whose `by` is one of `ids`, each the first row of its id and good:
        the rows the import goes on with."""
        pairs = []
        with connection.cursor() as cursor:
            for chunk in chunks(set(ids)):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT t.id, t.c_{column} FROM {self.table} AS t WHERE t.bad = 0 AND "
                               f"t.{by if by == 'id' else 'c_' + by} IN ({marks}) AND t.line = "
                               f"(SELECT MIN(f.line) FROM {self.table} AS f WHERE f.id = t.id)", chunk)
                pairs += cursor.fetchall()
        return pairs

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {self.table}")

