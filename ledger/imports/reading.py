"""Turning what arrived (CSV bytes from a file or an upload, or dicts from the API) into numbered rows.

Without a mapping a file must be our own CSV (UTF-8, ',', our header). With one (`mapping.Mapping`)
it is an ERP's export as it comes: CSV in any encoding and delimiter (detected unless given) or an
XLSX workbook, with the ERP's own headers and formats, read as our columns.

A problem with the file as a whole (not UTF-8, empty, header only, missing or extra columns) is an
`ImportIssue` on row 1 (the header) or on the row where it happens; the rows are then not read.
"""

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from ledger.imports.detect import SAMPLE, Detected, detect
from ledger.imports.mapping import CustomerCurrencies, Mapping, Plan
from ledger.imports.validation import COLUMNS, OPTIONAL_COLUMNS, ImportIssue
from ledger.imports.xlsx import WorkbookError, xlsx_rows


@dataclass
class Table:
    """The rows of one file: (row number, {column: value}). `issues` stop the file from being read
    (bad header, bad bytes); `row_issues` are reported beside the rows' own problems."""

    kind: str
    rows: list = field(default_factory=list)
    issues: list = field(default_factory=list)
    row_issues: list = field(default_factory=list)
    detected: Detected | None = None  # read through a mapping: what the file was found to be
    plan: Plan | None = None  # read through a mapping: where our columns are, what is ignored


def _lines(kind: str, stream: Iterator[bytes], table: Table) -> Iterator[str]:
    """The file's lines decoded one at a time (the file is never whole in memory). A lone CR ends a
    line too, as it does for Python's own CSV reading; a byte that is not UTF-8 stops the file."""
    offset = 0
    for number, raw in enumerate(stream, 1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as problem:
            byte = raw[problem.start:problem.start + 1].hex()
            table.issues.append(ImportIssue(
                kind, number, "", f"the file is not UTF-8 (byte 0x{byte} at position {offset + problem.start}); "
                                  "save it as 'CSV UTF-8' and upload it again",
            ))
            return
        offset += len(raw)
        if "\r" in line.rstrip("\r\n"):
            yield from LONE_CR.split(line)
        else:
            yield line


LONE_CR = re.compile(r"(?<=\r)(?!\n)(?=.)", re.DOTALL)


@contextmanager
def _binary_lines(source) -> Iterator[Iterator[bytes]]:
    """Lines of bytes from a path, bytes or an open binary file, read as they are needed."""
    if isinstance(source, str | Path):
        with Path(source).open("rb") as handle:
            yield iter(handle)
    elif isinstance(source, bytes | bytearray):
        yield iter(io.BytesIO(source))
    else:
        yield iter(source.readline, b"")


def _header_issues(kind: str, header: list[str]) -> list[ImportIssue]:
    required, optional = COLUMNS[kind], OPTIONAL_COLUMNS[kind]
    expected = required + optional
    allowed = ", ".join(required) + (f" (and optionally {', '.join(optional)})" if optional else "")
    issues = [ImportIssue(kind, 1, name, "missing column") for name in required if name not in header]
    issues += [ImportIssue(kind, 1, name or "(blank)", f"unexpected column; the file must have exactly {allowed}")
               for name in header if name not in expected]
    seen = set()
    for name in header:
        if name in seen and name in expected:
            issues.append(ImportIssue(kind, 1, name, "column appears twice in the header"))
        seen.add(name)
    return issues


def table_from_csv(kind: str, source, mapping: Mapping | None = None,
                   currencies: CustomerCurrencies | None = None) -> Table:
    """Read one CSV export (a path, bytes or an open binary file). The header and the first row are
    read at once, so that a bad header, an empty file or a header without rows is known before any
    file is checked; the other rows are read as the engine asks for them (`Table.rows` is then an
    iterator, and file-level problems found on the way are added to `issues`). Row numbers are the
    file's line numbers (the header is row 1)."""
    table = Table(kind)
    if mapping is None:
        rows = _rows(kind, source, table)
    else:
        rows = (row[:2] for row in mapped_rows(kind, source, table, mapping, currencies))
    first = next(rows, None)
    if first is None:
        rows.close()
        if not table.issues:
            table.issues.append(ImportIssue(kind, 1, "", "the file has a header but no rows"))
        return table
    table.rows = chain((first,), rows)
    return table


def _rows(kind: str, source, table: Table) -> Iterator[tuple[int, dict]]:
    with _binary_lines(source) as stream:
        reader = csv.reader(_lines(kind, stream, table))
        try:
            header = next(reader, None)
            while header is not None and not any(cell.strip() for cell in header):
                following = next(reader, None)
                if following is None:
                    break
                header = following
            if header is None or not any(cell.strip() for cell in header):
                if not table.issues:  # not a bad byte: nothing but blank lines
                    table.issues.append(ImportIssue(kind, 0, "", "the file is empty"))
                return
            header = [name.strip().lower() for name in header]
            table.issues += _header_issues(kind, header)
            if table.issues:
                return
            width = len(header)
            for cells in reader:
                if not cells or (not cells[0].strip() and not any(c.strip() for c in cells)):  # blank or ",,,,"
                    continue
                if len(cells) != width:
                    table.issues.append(ImportIssue(
                        kind, reader.line_num, "", f"the row has {len(cells)} fields, the header has {width}"
                    ))
                    continue
                yield reader.line_num, dict(zip(header, cells, strict=True))
        except csv.Error as error:
            table.issues.append(ImportIssue(kind, reader.line_num, "", f"the file is not valid CSV: {error}"))


@contextmanager
def _binary_file(source):
    """An open binary file at its start, from a path, bytes or an open binary file."""
    if isinstance(source, str | Path):
        with Path(source).open("rb") as handle:
            yield handle
    elif isinstance(source, bytes | bytearray):
        yield io.BytesIO(source)
    else:
        if hasattr(source, "seek"):
            source.seek(0)
        yield source if isinstance(source, io.IOBase) else io.BytesIO(source.read())


def mapped_rows(kind: str, source, table: Table, mapping: Mapping,
                currencies: CustomerCurrencies | None = None) -> Iterator[tuple[int, dict, list]]:
    """(row number, our columns → value, the file's cells) of an ERP export read through `mapping`.
    What was detected goes to `table.detected`, the header's reading to `table.plan`; problems with
    the file as a whole to `table.issues`."""
    with _binary_file(source) as handle:
        head = handle.read(SAMPLE)
        handle.seek(0)
        if not head.strip():
            table.issues.append(ImportIssue(kind, 0, "", "the file is empty"))
            return
        table.detected = detect(head, encoding=mapping.encoding, delimiter=mapping.delimiter)
        if table.detected.format == "xlsx":
            numbered = xlsx_rows(handle, mapping.sheet)
        else:
            text = io.TextIOWrapper(handle, encoding=_with_bom(table.detected.encoding), newline="")
            reader = csv.reader(text, delimiter=table.detected.delimiter)
            numbered = ((reader.line_num, cells) for cells in reader)
        last = [1]  # the last row read, to say where a bad byte is
        try:
            yield from _planned(kind, numbered, table, mapping, currencies, last)
        except WorkbookError as problem:
            table.issues.append(ImportIssue(kind, 0, "", str(problem)))
        except UnicodeDecodeError as problem:
            table.issues.append(ImportIssue(kind, 0, "", f"the file is not {table.detected.encoding} "
                                                                   f"({problem.reason} after row {last[0]}); choose "
                                                                   "its encoding"))
        except csv.Error as error:
            table.issues.append(ImportIssue(kind, 0, "", f"the file is not valid CSV: {error}"))
        finally:
            if table.detected.format == "csv":
                text.detach()


def _with_bom(encoding: str) -> str:
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def _blank(cells: list) -> bool:
    return not any(cell.strip() if cell.__class__ is str else cell not in ("", None) for cell in cells)


def _planned(kind: str, numbered, table: Table, mapping: Mapping, currencies,
             last: list) -> Iterator[tuple[int, dict, list]]:
    header = None
    for number, cells in numbered:
        last[0] = number
        if header is None:
            if _blank(cells):
                continue
            header = ["" if cell is None else str(cell) for cell in cells]
            while header and not header[-1].strip():
                header.pop()  # a workbook's empty columns on the right
            table.plan = mapping.plan(kind, header, currencies)
            table.issues += table.plan.issues
            if table.issues:
                return
            continue
        if _blank(cells):
            continue
        width = table.plan.width
        if table.detected.format == "xlsx":
            cells = cells[:width]  # a workbook's empty columns on the right
        elif len(cells) != width:
            table.issues.append(ImportIssue(kind, number, "",
                                            f"the row has {len(cells)} fields, the header has {width}"))
            continue
        yield number, table.plan.row(cells), cells
    if header is None and not table.issues:
        table.issues.append(ImportIssue(kind, 0, "", "the file is empty"))


def table_from_dicts(kind: str, records) -> Table:
    """Rows given as dicts (the API). Row numbers count from 1; a missing key reads as an empty cell,
    an unknown key is reported once, on the first row that has it."""
    table = Table(kind)
    expected = set(COLUMNS[kind]) | set(OPTIONAL_COLUMNS[kind])
    reported = set()
    for number, values in enumerate(records or (), 1):
        if not isinstance(values, dict):
            table.issues.append(ImportIssue(kind, number, "", "each row must be an object of column: value"))
            continue
        for name in values.keys() - expected - reported:
            table.row_issues.append(ImportIssue(kind, number, str(name), "unexpected column"))
            reported.add(name)
        table.rows.append((number, values))
    if not table.rows and not table.issues:
        table.issues.append(ImportIssue(kind, 0, "", "no rows were given"))
    return table
