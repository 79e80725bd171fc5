"""Turning what arrived (CSV bytes from a file or an upload, or dicts from the API) into numbered rows.

A problem with the file as a whole (not UTF-8, empty, header only, missing or extra columns) is an
`ImportIssue` on row 1 (the header) or on the row where it happens; the rows are then not read.
"""

import csv
import io
from dataclasses import dataclass, field

from ledger.imports.validation import COLUMNS, ImportIssue


@dataclass
class Table:
    """The rows of one file: (row number, {column: value}). `issues` stop the file from being read
    (bad header, bad bytes); `row_issues` are reported beside the rows' own problems."""

    kind: str
    rows: list = field(default_factory=list)
    issues: list = field(default_factory=list)
    row_issues: list = field(default_factory=list)


def _decode(kind: str, data: bytes) -> tuple[str | None, ImportIssue | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as problem:
        row = data.count(b"\n", 0, problem.start) + 1
        byte = data[problem.start:problem.start + 1].hex()
        return None, ImportIssue(
            kind, row, "", f"the file is not UTF-8 (byte 0x{byte} at position {problem.start}); "
                           "save it as 'CSV UTF-8' and upload it again",
        )


def _header_issues(kind: str, header: list[str]) -> list[ImportIssue]:
    expected = COLUMNS[kind]
    issues = [ImportIssue(kind, 1, name, "missing column") for name in expected if name not in header]
    issues += [ImportIssue(kind, 1, name or "(blank)", f"unexpected column; the file must have exactly "
                                                      f"{', '.join(expected)}")
               for name in header if name not in expected]
    seen = set()
    for name in header:
        if name in seen and name in expected:
            issues.append(ImportIssue(kind, 1, name, "column appears twice in the header"))
        seen.add(name)
    return issues


def table_from_csv(kind: str, data: bytes) -> Table:
    """Read one CSV export. Row numbers are the file's line numbers (the header is row 1)."""
    table = Table(kind)
    text, problem = _decode(kind, data)
    if problem:
        table.issues.append(problem)
        return table
    if not text.strip():
        table.issues.append(ImportIssue(kind, 0, "", "the file is empty"))
        return table
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
        table.issues += _header_issues(kind, header)
        if table.issues:
            return table
        width = len(header)
        for cells in reader:
            if not cells or (not cells[0].strip() and not any(c.strip() for c in cells)):  # blank or ",,,," rows
                continue
            if len(cells) != width:
                table.issues.append(ImportIssue(
                    kind, reader.line_num, "", f"the row has {len(cells)} fields, the header has {width}"
                ))
                continue
            table.rows.append((reader.line_num, dict(zip(header, cells, strict=True))))
    except csv.Error as error:
        table.issues.append(ImportIssue(kind, reader.line_num, "", f"the file is not valid CSV: {error}"))
        return table
    if not table.rows and not table.issues:
        table.issues.append(ImportIssue(kind, 1, "", "the file has a header but no rows"))
    return table


def table_from_dicts(kind: str, records) -> Table:
    """Rows given as dicts (the API). Row numbers count from 1; a missing key reads as an empty cell,
    an unknown key is reported once, on the first row that has it."""
    table = Table(kind)
    expected = set(COLUMNS[kind])
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
