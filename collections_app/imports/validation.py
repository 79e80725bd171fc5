"""What a good row of each ERP file looks like, checked one row at a time, in memory.

Every problem becomes an `ImportIssue` (file, row, column, reason) in words a collector can act on;
nothing here raises past the caller and nothing here touches the database. Checks that need other
rows or the ledger (unknown customer, duplicate ids, over-applied payments) live in `checks.py`.
"""

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .currencies import ISO_4217

COLUMNS = {
    "customers": ("customer_id", "name", "parent_id", "email", "phone", "payment_terms_days", "credit_limit",
                  "currency", "segment", "collector"),
    "invoices": ("invoice_id", "customer_id", "issue_date", "due_date", "amount", "currency", "po_number"),
    "payments": ("payment_id", "customer_id", "received_date", "amount", "currency", "invoice_id"),
    "credits": ("credit_id", "customer_id", "issue_date", "amount", "currency", "invoice_id"),
}
KINDS = tuple(COLUMNS)
FILE_NAMES = {"customers": "customers.csv", "invoices": "invoices.csv", "payments": "payments.csv",
              "credits": "credit_notes.csv"}

MAX_AMOUNT = Decimal("999999999999.99")  # DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")
AMOUNT_PATTERN = re.compile(r"-?\d+(\.\d+)?")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_TERMS_DAYS = 3650
LENGTHS = {"customer_id": 64, "invoice_id": 64, "payment_id": 64, "credit_id": 64, "parent_id": 64,
           "name": 200, "phone": 40, "segment": 40, "po_number": 64, "collector": 150, "email": 254}


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


def text(value, column: str, *, required: bool = False) -> str:
    if value.__class__ is not str:
        value = "" if value is None else str(value)
    value = value.strip()
    if required and not value:
        raise BadCell("is required")
    limit = LENGTHS.get(column)
    if limit and len(value) > limit:
        raise BadCell(f"is longer than {limit} characters")
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
    if amount != amount.quantize(CENT):
        raise BadCell(f"{shown} has more than 2 decimals")
    if amount < 0:
        raise BadCell(f"{shown} is negative; amounts must be positive")
    if amount == 0 and not allow_zero:
        raise BadCell("is zero; amounts must be more than zero")
    if amount > MAX_AMOUNT:
        raise BadCell(f"{shown} is too large")
    return amount.quantize(CENT)


def iso_date(value) -> date:
    if value.__class__ is not str:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
    shown = text(value, "date", required=True)
    if not DATE_PATTERN.fullmatch(shown):
        raise BadCell(f"'{shown}' is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(shown)
    except ValueError:
        raise BadCell(f"{shown} is not a real date") from None


def currency(value) -> str:
    code = text(value, "currency", required=True).upper()
    if code not in ISO_4217:
        raise BadCell(f"'{code}' is not a known currency (ISO 4217 code such as USD or EUR)")
    return code


def whole_days(value) -> int:
    shown = text(value, "payment_terms_days")
    if not shown:
        return 30
    if not shown.isdigit():
        raise BadCell(f"'{shown}' is not a whole number of days")
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


class RowReader:
    """Reads the cells of one row, keeping every problem instead of stopping at the first."""

    def __init__(self, kind: str, row: int, values: dict, issues: list[ImportIssue]):
        self.kind, self.row, self.values, self.issues = kind, row, values, issues
        self.ok = True

    def __call__(self, column: str, parse, *args, **kwargs):
        try:
            return parse(self.values.get(column), *args, **kwargs)
        except BadCell as problem:
            self.issues.append(ImportIssue(self.kind, self.row, column, str(problem)))
            self.ok = False
            return None


def customer_row(row: int, values: dict, issues: list) -> CustomerRow | None:
    cell = RowReader("customers", row, values, issues)
    limit = values.get("credit_limit")
    record = CustomerRow(
        row=row,
        external_id=cell("customer_id", text, "customer_id", required=True),
        name=cell("name", text, "name", required=True),
        parent_id=cell("parent_id", text, "parent_id"),
        email=cell("email", email),
        phone=cell("phone", text, "phone"),
        payment_terms_days=cell("payment_terms_days", whole_days),
        credit_limit=cell("credit_limit", money, allow_zero=True) if text(limit, "") else Decimal("0.00"),
        currency=cell("currency", currency) if text(values.get("currency"), "") else settings.BASE_CURRENCY,
        segment=cell("segment", text, "segment"),
        collector=cell("collector", text, "collector"),
    )
    return record if cell.ok else None


def invoice_row(row: int, values: dict, issues: list) -> InvoiceRow | None:
    cell = RowReader("invoices", row, values, issues)
    record = InvoiceRow(
        row=row,
        external_id=cell("invoice_id", text, "invoice_id", required=True),
        customer_id=cell("customer_id", text, "customer_id", required=True),
        issue_date=cell("issue_date", iso_date),
        due_date=cell("due_date", iso_date),
        amount=cell("amount", money),
        currency=cell("currency", currency),
        po_number=cell("po_number", text, "po_number"),
    )
    if record.issue_date and record.due_date and record.due_date < record.issue_date:
        issues.append(ImportIssue("invoices", row, "due_date",
                                  f"due date {record.due_date} is before the issue date {record.issue_date}"))
        return None
    return record if cell.ok else None


def cash_row(kind: str, row: int, values: dict, issues: list) -> CashRow | None:
    cell = RowReader(kind, row, values, issues)
    id_column, date_column = ("payment_id", "received_date") if kind == "payments" else ("credit_id", "issue_date")
    record = CashRow(
        row=row,
        external_id=cell(id_column, text, id_column, required=True),
        customer_id=cell("customer_id", text, "customer_id", required=True),
        on=cell(date_column, iso_date),
        amount=cell("amount", money),
        currency=cell("currency", currency),
        invoice_id=cell("invoice_id", text, "invoice_id"),
    )
    return record if cell.ok else None


def parse_rows(kind: str, rows, issues: list, progress=None) -> list:
    """`rows` is an iterable of (row number, {column: value}); returns the rows that read cleanly."""
    parse = {"customers": customer_row, "invoices": invoice_row}.get(kind)
    records = []
    for count, (row, values) in enumerate(rows, 1):
        record = parse(row, values, issues) if parse else cash_row(kind, row, values, issues)
        if record is not None:
            records.append(record)
        if progress and count % 20000 == 0:
            progress(20000)
    return records


def id_of(kind: str, values: dict) -> str:
    """The ERP id of a row even when other cells are bad, so that references to it are not reported
    as unknown on top of the row's own problem."""
    column = COLUMNS[kind][0]
    return text(values.get(column), "")
