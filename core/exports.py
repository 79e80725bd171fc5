"""Every report table downloads as CSV or XLSX with the figures the page shows (2 decimals).

Two rules hold for every download, here and nowhere else:

- **No cell is a formula.** A customer imported as `=HYPERLINK(...)`, `+1+1`, `-1+1` or `@SUM(...)`
  would run in the spreadsheet that opens the file (OWASP "CSV injection"). Text that starts with
  `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading apostrophe; numbers,
  negative ones included, stay numbers.
- **XLSX is a spreadsheet people read**: numbers and dates are typed cells with formats (the dates in
  the locale's date format, the one the pages use), columns are as wide as their content, the
  header is bold and frozen, and a totals row adds the columns that add up.

Which columns add up: numbers, except rates, ratios, days and ranks (`NOT_ADDED`), and except amounts
in each row's own currency when the table has a `currency` column (only `… base` amounts add up then).
A frame may say it itself: `df.attrs["totals"] = ["collected"]` (`[]`: no totals row).
"""

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from django.http import Http404, HttpResponse
from django.utils import formats, timezone
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from core.money import CENT, ZERO

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NOT_ADDED = {"%", "pct", "percent", "rate", "dso", "bpdso", "add", "cei", "days", "day", "age", "rank", "mean",
             "median", "avg", "average", "attainment", "oldest"}
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
MIN_WIDTH, MAX_WIDTH = 8, 60
TOTAL_LABEL = "Total"
DATE_WIDTH = 13  # "Sep 30, 2026", "30/09/2026"


def for_display(value: object) -> object:
    """Decimals are rounded to 2 places here, for display and export only, never in the engine."""
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return value


def neutralized(value: object) -> object:
    """Text a spreadsheet would run as a formula, made plain text (a leading apostrophe); anything
    else unchanged: a negative number stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    """One CSV row with every text cell neutralized, for exports written with the csv module."""
    return [neutralized(value) for value in values]


def excel_date_format(django_format: str | None = None) -> str:
    """The locale's date format, the one every page shows (Django's DATE_FORMAT for LANGUAGE_CODE, e.g.
    "N j, Y"), as an Excel number format ("mmm d, yyyy")."""
    django_format = django_format or formats.get_format("DATE_FORMAT")
    codes = {"d": "dd", "j": "d", "m": "mm", "n": "m", "M": "mmm", "b": "mmm", "F": "mmmm", "N": "mmm",
             "Y": "yyyy", "y": "yy", "D": "ddd", "l": "dddd", "H": "hh", "G": "h", "i": "mm", "s": "ss"}
    return "".join(codes.get(char, char) for char in django_format)


def frame_response(df: pd.DataFrame, filename: str, fmt: str) -> HttpResponse:
    """A download of `df` as `<filename>.csv` or `<filename>.xlsx`."""
    if fmt not in FORMATS:
        raise Http404(f"Unknown export format {fmt!r}")
    content_type, extension = FORMATS[fmt]
    shown = df.copy()
    for column in shown.columns:
        if shown[column].dtype == object:
            shown[column] = shown[column].map(for_display)
    body = _csv(shown) if fmt == "csv" else _xlsx(shown, filename[:31], totals_of(df))
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    return response


def _plain(value: object) -> object:
    """A cell's value: None for missing (NaN, NaT, None), Python numbers and dates for numpy ones."""
    if value is None or (not isinstance(value, str | list | dict | tuple) and bool(pd.isna(value))):  # type: ignore[call-overload]
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, Decimal):  # numpy scalars
        return value.item()
    return value


def _csv(df: pd.DataFrame) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; a CR or LF inside a cell is quoted
    writer.writerow(csv_row(str(c) for c in df.columns))
    for record in df.itertuples(index=False, name=None):
        writer.writerow(csv_row("" if (v := _plain(value)) is None else v for value in record))
    return out.getvalue().encode("utf-8")


def _words(name: object) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9%]+", str(name).lower().replace("%", " % ")) if w}


def totals_of(df: pd.DataFrame) -> list:
    """The columns the XLSX totals row adds up (see the module's docstring)."""
    if "totals" in df.attrs:
        return [c for c in df.attrs["totals"] if c in df.columns]
    per_row_currency = any(str(c).lower() == "currency" for c in df.columns)
    chosen = []
    for column in df.columns:
        values = [_plain(v) for v in df[column]]
        present = [v for v in values if v is not None]
        if not present or not all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in present):
            continue
        words = _words(column)
        if words & NOT_ADDED:
            continue
        if per_row_currency and any(isinstance(v, Decimal | float) for v in present) and "base" not in words:
            continue
        chosen.append(column)
    return chosen


def _xlsx(df: pd.DataFrame, sheet: str, totals: list) -> bytes:
    """The sheet in openpyxl's write-only mode: each row is streamed to the file as it is appended,
    not held as a grid of cell objects (a 30,000-row export took seconds and hundreds of MB the
    other way). Write-only sheets take their column widths before the first row, so the values are
    made plain first and measured, then written."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet or "export")
    date_format = excel_date_format()
    columns = list(df.columns)
    header = [neutralized(str(c)) for c in columns]
    rows = [[_plain(v) for v in record] for record in df.itertuples(index=False, name=None)]
    footer = _totals_row(df, columns, totals) if totals and len(df) else None
    widths = [len(str(c)) for c in columns]
    for row in rows:
        for n, value in enumerate(row):
            widths[n] = max(widths[n], _shown_width(_typed(value)))
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, v, date_format, bold=True) for v in header])
    for row in rows:
        ws.append([_cell(ws, v, date_format) for v in row])
    if footer is not None:
        ws.append([_cell(ws, v, date_format, bold=True) for v in footer])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _totals_row(df: pd.DataFrame, columns: list, totals: list) -> list[object]:
    values: list[object] = [None] * len(columns)
    for column in totals:
        numbers: list[Any] = [v for v in (_plain(v) for v in df[column]) if v is not None]
        values[columns.index(column)] = sum(numbers, ZERO if any(isinstance(v, Decimal) for v in numbers) else 0)
    if values[0] is None:
        values[0] = TOTAL_LABEL
    return values


def _typed(value: object) -> object:
    """The value as the cell holds it: local time without a zone (XLSX has none), text without the
    control characters XLSX cannot hold and never starting like a formula."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, str):
        return neutralized(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _cell(ws: Any, value: object, date_format: str, *, bold: bool = False) -> WriteOnlyCell:
    value = _typed(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never "f": text stays text even when it looks like a formula
    elif isinstance(value, bool):
        pass
    elif isinstance(value, Decimal | float):
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, int):
        cell.number_format = COUNT_FORMAT
    elif isinstance(value, datetime):
        cell.number_format = f"{date_format} hh:mm"
    elif isinstance(value, date):
        cell.number_format = date_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _shown_width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal | float):
        return len(f"{value:,.2f}")
    if isinstance(value, int) and not isinstance(value, bool):
        return len(f"{value:,}")
    if isinstance(value, datetime):
        return DATE_WIDTH + 6
    if isinstance(value, date):
        return DATE_WIDTH
    return max((len(line) for line in str(value).splitlines()), default=0)

