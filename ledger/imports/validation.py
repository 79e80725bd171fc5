"""What a good row of each ERP file looks like, checked one row at a time, in memory.

Every problem becomes an `ImportIssue` (file, row, column, reason) in words a collector can act on;
nothing here raises past the caller and nothing here touches the database. Checks that need other
rows or the ledger (unknown customer, duplicate ids, over-applied payments) live in `checks.py`.
"""

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.money import CENT, MAX_AMOUNT
from ledger.imports.currencies import ISO_4217

COLUMNS = {
    "customers": ("customer_id", "name", "parent_id", "email", "phone", "payment_terms_days", "credit_limit",
                  "currency", "segment", "collector"),
    "invoices": ("invoice_id", "customer_id", "issue_date", "due_date", "amount", "currency", "po_number"),
    "payments": ("payment_id", "customer_id", "received_date", "amount", "currency", "invoice_id"),
    "credits": ("credit_id", "customer_id", "issue_date", "amount", "currency", "invoice_id"),
}
# Columns a file may leave out. `reference` on a payment names the payment taken here (online or from
# a bank statement, our `external_id`) that the ERP booked under its own id: the import links the two.
OPTIONAL_COLUMNS = {"customers": (), "invoices": (), "payments": ("reference",), "credits": ()}
KINDS = tuple(COLUMNS)
FILE_NAMES = {"customers": "customers.csv", "invoices": "invoices.csv", "payments": "payments.csv",
              "credits": "credit_notes.csv"}

AMOUNT_PATTERN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DAYS_PATTERN = re.compile(r"[0-9]{1,6}")
# Characters no cell may hold: control characters (NUL, tab, line breaks…), which PostgreSQL refuses
# or which break the headers and files an id ends up in, and halves of UTF-16 pairs (not text).
UNREADABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
# An ERP id also names files (invoice-<id>.pdf) and links: no quotes or backslashes either.
ID_COLUMNS = frozenset({"customer_id", "invoice_id", "payment_id", "credit_id", "parent_id"})
ID_REFUSED = re.compile(r"[\"\\]")
MAX_TERMS_DAYS = 3650
LENGTHS = {"customer_id": 64, "invoice_id": 64, "payment_id": 64, "credit_id": 64, "parent_id": 64,
           "name": 200, "phone": 40, "segment": 40, "po_number": 64, "collector": 150, "email": 254, "reference": 100}


@dataclass(frozen=True, slots=True)
class ImportIssue:
    file: str
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def file_name(self) -> str:
        return FILE_NAMES.get(self.file, self.file)

    def __str__(self) -> str:
        where = f"{self.file_name} row {self.row}" if self.row else self.file_name
        return f"{where}, {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"


class BadCell(ValueError):
    """A cell that cannot be read; the message is the reason shown to the user."""


@dataclass(frozen=True, slots=True)
class BadValue:
    """A cell a mapping could not read (a date not in the profile's format, an amount it cannot
    parse): it reaches the row's checks like any cell, and is reported with the mapping's reason."""

    shown: str
    reason: str

    def __str__(self) -> str:
        return self.shown


class Deferred:
    """A cell a mapping fills in only when the row is checked (a customer's currency, known once the
    customers read before have been): `resolve()` gives the text or raises BadCell."""

    __slots__ = ("resolve",)

    def __init__(self, resolve):
        self.resolve = resolve

    def __str__(self) -> str:
        try:
            return self.resolve()
        except BadCell:
            return ""


@dataclass(slots=True)
class CustomerRow:
    row: int
    external_id: str
    name: str
    parent_id: str
    email: str
    phone: str
    payment_terms_days: int
    credit_limit: Decimal
    currency: str
    segment: str
    collector: str


@dataclass(slots=True)
class InvoiceRow:
    row: int
    external_id: str
    customer_id: str
    issue_date: date
    due_date: date
    amount: Decimal
    currency: str
    po_number: str


@dataclass(slots=True)
class CashRow:
    """One row of payments.csv (one application of a payment) or of credit_notes.csv."""

    row: int
    external_id: str
    customer_id: str
    on: date  # received_date of a payment, issue_date of a credit note: the date it is applied
    amount: Decimal
    currency: str
    invoice_id: str
    reference: str = ""  # payments only: our payment id when the ERP booked a payment taken here


def text(value, column: str, *, required: bool = False) -> str:
    if value.__class__ is not str:
        if value.__class__ is BadValue:
            raise BadCell(value.reason)
        value = "" if value is None else value.resolve() if value.__class__ is Deferred else str(value)
    value = value.strip()
    if not value:
        if required:
            raise BadCell("is required")
    elif len(value) > LENGTHS.get(column, 1000):
        raise BadCell(f"is longer than {LENGTHS.get(column, 1000)} characters")
    elif UNREADABLE.search(value):
        raise BadCell("contains a control character (a NUL, tab or line break) or bytes that are not text; "
                      "remove it in the ERP export")
    elif column in ID_COLUMNS and ID_REFUSED.search(value):
        raise BadCell("an id may not contain quotes (\") or backslashes (\\)")
    return value


def money(value, *, allow_zero: bool = False) -> Decimal:
    """An amount with a '.' decimal point and at most two decimals, more than zero."""
    if value.__class__ is not str and isinstance(value, Decimal | int) and not isinstance(value, bool):
        amount = Decimal(value)
        shown = str(value)
    else:
        shown = text(value, "amount", required=True)
        if not AMOUNT_PATTERN.fullmatch(shown):
            raise BadCell(f"'{shown}' is not an amount (write digits with a '.' decimal point, e.g. 1234.50)")
        try:
            amount = Decimal(shown)
        except InvalidOperation:
            raise BadCell(f"'{shown}' is not an amount") from None
    if not amount.is_finite():
        raise BadCell(f"'{shown}' is not an amount")
    if len(shown) > 40:
        shown = shown[:20] + "…"
    if amount < 0:
        raise BadCell(f"{shown} is negative; amounts must be positive")
    # Checked before rounding: a 30-digit number has more digits than Decimal rounds to.
    if amount > MAX_AMOUNT:
        raise BadCell(f"{shown} is too large (at most {MAX_AMOUNT})")
    if amount != amount.quantize(CENT):
        raise BadCell(f"{shown} has more than 2 decimals")
    if amount == 0 and not allow_zero:
        raise BadCell("is zero; amounts must be more than zero")
    return amount.quantize(CENT)


def iso_date(value) -> date:
    if value.__class__ is str:
        return _date_text(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _date_text(text(value, "date"))


# A file holds a few hundred distinct dates and currencies in a hundred thousand rows: each distinct
# cell is read once (a cell that raises BadCell is not remembered, and raises again).
@lru_cache(maxsize=8192)
def _date_text(value: str) -> date:
    shown = text(value, "date", required=True)
    if not DATE_PATTERN.fullmatch(shown):
        raise BadCell(f"'{shown}' is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(shown)
    except ValueError:
        raise BadCell(f"{shown} is not a real date") from None


def currency(value) -> str:
    return _currency_text(value if value.__class__ is str else text(value, "currency"))


@lru_cache(maxsize=1024)
def _currency_text(value: str) -> str:
    code = text(value, "currency", required=True).upper()
    if code not in ISO_4217:
        raise BadCell(f"'{code}' is not a known currency (ISO 4217 code such as USD or EUR)")
    return code


def whole_days(value) -> int:
    shown = text(value, "payment_terms_days")
    if not shown:
        return 30
    if not DAYS_PATTERN.fullmatch(shown):
        raise BadCell(f"'{shown[:20]}' is not a whole number of days")
    days = int(shown)
    if days > MAX_TERMS_DAYS:
        raise BadCell(f"{days} days is more than {MAX_TERMS_DAYS}")
    return days


def email(value) -> str:
    address = text(value, "email")
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise BadCell(f"'{address}' is not an email address") from None
    return address


def credit_limit(value) -> Decimal:
    return money(value, allow_zero=True) if text(value, "credit_limit") else Decimal("0.00")


def account_currency(value) -> str:
    return currency(value) if text(value, "currency") else settings.BASE_CURRENCY


def _text(column: str, required: bool = False):
    return partial(text, column=column, required=required)


# Per file: (column, parser) in the order of the record's fields after `row`.
CELLS = {
    "customers": (
        ("customer_id", _text("customer_id", True)), ("name", _text("name", True)), ("parent_id", _text("parent_id")),
        ("email", email), ("phone", _text("phone")), ("payment_terms_days", whole_days),
        ("credit_limit", credit_limit), ("currency", account_currency), ("segment", _text("segment")),
        ("collector", _text("collector")),
    ),
    "invoices": (
        ("invoice_id", _text("invoice_id", True)), ("customer_id", _text("customer_id", True)),
        ("issue_date", iso_date), ("due_date", iso_date), ("amount", money), ("currency", currency),
        ("po_number", _text("po_number")),
    ),
    "payments": (
        ("payment_id", _text("payment_id", True)), ("customer_id", _text("customer_id", True)),
        ("received_date", iso_date), ("amount", money), ("currency", currency), ("invoice_id", _text("invoice_id")),
        ("reference", _text("reference")),
    ),
    "credits": (
        ("credit_id", _text("credit_id", True)), ("customer_id", _text("customer_id", True)),
        ("issue_date", iso_date), ("amount", money), ("currency", currency), ("invoice_id", _text("invoice_id")),
    ),
}
RECORDS = {"customers": CustomerRow, "invoices": InvoiceRow, "payments": CashRow, "credits": CashRow}


def _cells(kind: str, row: int, values: dict, issues: list) -> list | None:
    """The row's parsed cells; None after listing every bad cell of the row (not just the first)."""
    spec = CELLS[kind]
    try:
        return [parse(values.get(column)) for column, parse in spec]
    except BadCell:
        for column, parse in spec:
            try:
                parse(values.get(column))
            except BadCell as problem:
                issues.append(ImportIssue(kind, row, column, str(problem)))
        return None


def parse_cells(kind: str, row: int, values: dict, issues: list) -> list | None:
    """The row's parsed cells in the order of its record's fields after `row`; None after adding its
    problems to `issues`."""
    cells = _cells(kind, row, values, issues)
    if cells is None:
        return None
    if kind == "invoices" and cells[3] < cells[2]:
        issues.append(ImportIssue(kind, row, "due_date", f"due date {cells[3]} is before the issue date {cells[2]}"))
        return None
    return cells


def id_of(kind: str, values: dict) -> str:
    """The ERP id of a row even when other cells are bad, so that references to it are not reported
    as unknown on top of the row's own problem."""
    column = COLUMNS[kind][0]
    try:
        return text(values.get(column), column)
    except BadCell:
        return ""  # the row's own issue says why; a bad id is never looked up
