"""Rows of an XLSX workbook, streamed (openpyxl's read-only mode): the first sheet or a named one.

Cells come as Excel typed them: text, numbers (int or float), dates (datetime). Numbers become
Decimal through their shortest text (0.1 stays 0.1, not 0.1000000000000000055…), dates stay dates:
the mapping reads them without a date format.
"""

from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException


class WorkbookError(ValueError):
    """The workbook cannot be read, or has no such sheet; the message says why."""


def cell_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value
    if isinstance(value, date | str):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return str(value)


def xlsx_rows(handle, sheet: str = "") -> Iterator[tuple[int, list]]:
    """(row number, [cell values]) of the first sheet or of `sheet`, from an open binary file.
    Raises WorkbookError before the first row when the file or the sheet cannot be read."""
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError) as problem:
        raise WorkbookError(f"the file is not a readable XLSX workbook ({problem})") from None
    try:
        if sheet:
            if sheet not in book.sheetnames:
                raise WorkbookError(f"the workbook has no sheet '{sheet}' (it has {', '.join(book.sheetnames)})")
            worksheet = book[sheet]
        else:
            worksheet = book.worksheets[0]
        for number, row in enumerate(worksheet.iter_rows(values_only=True), 1):
            yield number, [cell_value(value) for value in row]
    finally:
        book.close()
