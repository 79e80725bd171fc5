"""How an ERP's own export is read as our files: its columns, date format, decimal and thousands
separators, negative amounts, currency, encoding, delimiter and sheet.

A `Mapping` is applied while the file is read (`reading.table_from_csv`): the rest of the import sees
rows with our column names and values it reads as usual (a date, a Decimal, text), and a cell the
mapping cannot read reaches the row's checks as a `BadValue` whose reason is reported for that cell.
"""

import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.conf import settings

from ledger.imports.currencies import ISO_4217
from ledger.imports.detect import DELIMITERS, known_encoding
from ledger.imports.validation import COLUMNS, OPTIONAL_COLUMNS, BadCell, BadValue, Deferred, ImportIssue
from ledger.models import Customer

DATE_FORMATS = {"iso": "YYYY-MM-DD", "dmy": "D/M/YYYY", "mdy": "M/D/YYYY"}
SIGNS = {"as-is": "negative amounts are refused", "absolute": "a negative amount is read as positive",
         "inverted": "every amount's sign is turned round (the ERP writes what is owed as negative)"}
DECIMALS = (".", ",")
THOUSANDS = ("", ",", ".", " ", "'")
CUSTOMER_CURRENCY = "customer"
# Columns an ERP's invoice export may have beyond ours: the customer's name (for customers made
# from the invoices) and the date the invoice was settled (a payment of the invoice's amount).
EXTRA_COLUMNS = {"invoices": ("customer_name", "settled_date")}
DATE_COLUMNS = frozenset({"issue_date", "due_date", "received_date", "settled_date"})
AMOUNT_COLUMNS = frozenset({"amount", "credit_limit"})
# Without these a row means nothing; a mapped file may leave any other column out (read as empty).
ESSENTIAL = {
    "customers": ("customer_id", "name"),
    "invoices": ("invoice_id", "customer_id", "issue_date", "due_date", "amount", "currency"),
    "payments": ("payment_id", "customer_id", "received_date", "amount", "currency"),
    "credits": ("credit_id", "customer_id", "issue_date", "amount", "currency"),
}
DATE_SHAPE = re.compile(r"([0-9]{1,4})[/.\-]([0-9]{1,2})[/.\-]([0-9]{1,4})(?:[ T][0-9:.]+)?")


class MappingError(ValueError):
    """Options that do not make a mapping; `problems` lists each in words."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def fields_of(kind: str) -> tuple[str, ...]:
    return COLUMNS[kind] + OPTIONAL_COLUMNS[kind] + EXTRA_COLUMNS.get(kind, ())


ALL_FIELDS = frozenset(name for kind in COLUMNS for name in fields_of(kind))


@dataclass
class Mapping:
    # our column (or "kind.column" for one file only) → the export's column
    columns: dict[str, str] = field(default_factory=dict)
    date_format: str = "iso"
    decimal: str = "."
    thousands: str = ""
    parentheses: bool = False  # (123.45) is -123.45
    sign: str = "as-is"
    default_currency: str = ""  # when the file has no currency (or an empty cell): a code, or "customer"
    encoding: str = ""  # "" = detect
    delimiter: str = ""  # "" = detect
    sheet: str = ""  # XLSX: "" = the first sheet
    create_customers: bool = False  # customers made from the invoices' customer id (and name)

    def __post_init__(self):
        problems = []
        for key, column in self.columns.items():
            kind, _, name = key.rpartition(".")
            if (kind and kind not in COLUMNS) or (name not in (fields_of(kind) if kind else ALL_FIELDS)):
                problems.append(f"'{key}' is not one of our columns")
            if not str(column).strip():
                problems.append(f"'{key}' is mapped to an empty column name")
        self.columns = {key: str(column).strip() for key, column in self.columns.items()}
        for name, value, allowed in (("date format", self.date_format, DATE_FORMATS), ("decimal", self.decimal,
                                     DECIMALS), ("thousands separator", self.thousands, THOUSANDS),
                                     ("sign", self.sign, SIGNS)):
            if value not in allowed:
                problems.append(f"{name} '{value}' is not one of {', '.join(repr(a) for a in allowed)}")
        if self.thousands and self.thousands == self.decimal:
            problems.append("the thousands separator cannot be the decimal separator")
        self.default_currency = (self.default_currency or "").strip()
        if self.default_currency != CUSTOMER_CURRENCY:
            self.default_currency = self.default_currency.upper()
            if self.default_currency and self.default_currency not in ISO_4217:
                problems.append(f"default currency '{self.default_currency}' is not an ISO 4217 code "
                                f"(or '{CUSTOMER_CURRENCY}')")
        if self.encoding and not known_encoding(self.encoding):
            problems.append(f"'{self.encoding}' is not an encoding Python knows (try utf-8, utf-16, windows-1252)")
        if self.delimiter == "tab":
            self.delimiter = "\t"
        if self.delimiter and self.delimiter not in DELIMITERS:
            problems.append(f"delimiter '{self.delimiter}' is not one of , ; tab |")
        if problems:
            raise MappingError(problems)

    @classmethod
    def from_dict(cls, data: dict) -> "Mapping":
        if not isinstance(data, dict):
            raise MappingError(["a mapping is an object of option: value"])
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise MappingError([f"unknown option '{name}' (options: {', '.join(sorted(known))})" for name in unknown])
        if not isinstance(data.get("columns", {}), dict):
            raise MappingError(["columns must be an object of our column: their column"])
        return cls(**data)

    def as_dict(self) -> dict:
        return asdict(self)

    def replaced(self, **changes) -> "Mapping":
        return Mapping(**(self.as_dict() | changes))

    def column_for(self, kind: str, name: str) -> str:
        return self.columns.get(f"{kind}.{name}") or self.columns.get(name) or ""

    def plan(self, kind: str, header: list[str], currencies: "CustomerCurrencies | None" = None) -> "Plan":
        return Plan(self, kind, header, currencies)

    def describe(self) -> str:
        parts = [f"dates {DATE_FORMATS[self.date_format]}", f"decimal '{self.decimal}'"]
        if self.thousands:
            parts.append(f"thousands '{self.thousands}'")
        if self.parentheses:
            parts.append("(1.00) is negative")
        if self.sign != "as-is":
            parts.append(f"sign {self.sign}")
        if self.default_currency:
            parts.append(f"default currency {self.default_currency}")
        if self.create_customers:
            parts.append("customers made from the invoices")
        return ", ".join(parts)


class CustomerCurrencies:
    """Each customer's currency for rows without one (`default_currency: customer`): from the
    customers file of the same upload (read first), else the ledger (read once, when first asked)."""

    def __init__(self):
        self.seen: dict[str, str] = {}
        self.ledger: dict[str, str] | None = None

    def get(self, customer_id: str) -> str:
        if customer_id in self.seen:
            return self.seen[customer_id]
        if self.ledger is None:
            self.ledger = dict(Customer.objects.values_list("external_id", "currency"))
        return self.ledger.get(customer_id, "")


class Plan:
    """One file's header read through a mapping: where each of our columns is, what is missing,
    what is ignored; `row(cells)` gives the row as our columns."""

    def __init__(self, mapping: Mapping, kind: str, header: list[str], currencies: CustomerCurrencies | None):
        self.mapping, self.kind, self.currencies = mapping, kind, currencies or CustomerCurrencies()
        names = [str(name).strip() for name in header]
        lowered = [name.lower() for name in names]
        self.issues: list[ImportIssue] = []
        self.where: dict[str, int] = {}
        self.source: dict[str, str] = {}
        for name in fields_of(kind):
            wanted = mapping.column_for(kind, name)
            found = [index for index, column in enumerate(lowered) if column == wanted.lower()] if wanted else []
            found = found or [index for index, column in enumerate(lowered) if column == name]
            if len(found) > 1:
                self.issues.append(ImportIssue(kind, 1, names[found[0]], "column appears twice in the header"))
            if found:
                self.where[name], self.source[name] = found[0], names[found[0]]
            elif name in ESSENTIAL[kind] and not (name == "currency" and mapping.default_currency):
                mapped = f" (mapped to '{wanted}', which the file does not have)" if wanted else ""
                self.issues.append(ImportIssue(kind, 1, name, f"missing column{mapped}"))
        used = set(self.where.values())
        self.ignored = [names[index] for index in range(len(names)) if index not in used and names[index]]
        if self.ignored and not mapping.columns:
            allowed = ", ".join(fields_of(kind))
            self.issues += [ImportIssue(kind, 1, name, f"unexpected column; map it to one of {allowed}, or map "
                                                       "the columns you need so that the others are ignored")
                            for name in self.ignored]
        self.width = len(names)

    def row(self, cells: list) -> dict:
        mapping, values = self.mapping, {}
        for name, index in self.where.items():
            value = cells[index] if index < len(cells) else ""
            if name in DATE_COLUMNS:
                value = read_date(value, mapping.date_format)
            elif name in AMOUNT_COLUMNS:
                value = read_amount(value, mapping.decimal, mapping.thousands, mapping.parentheses, mapping.sign)
            elif value.__class__ is not str:
                value = _as_text(value)
            values[name] = value
        if mapping.default_currency and not _filled(values.get("currency")):
            values["currency"] = self.default_currency(values)
        if self.kind == "customers" and "customer_id" in values:
            given = str(values.get("currency") or "").strip().upper() or settings.BASE_CURRENCY
            self.currencies.seen[str(values["customer_id"]).strip()] = given
        return values

    def default_currency(self, values: dict) -> "str | Deferred":
        code = self.mapping.default_currency
        if code != CUSTOMER_CURRENCY:
            return code
        if self.kind == "customers":
            return settings.BASE_CURRENCY
        customer_id = str(values.get("customer_id") or "").strip()
        currencies = self.currencies

        def of_the_customer() -> str:
            found = currencies.get(customer_id)
            if not found:
                raise BadCell(f"no currency in the row, and customer {customer_id or '(blank)'} is neither in the "
                              "customers file nor in the ledger to take its currency from")
            return found

        return Deferred(of_the_customer)  # the customers file is read before the row is checked


def _filled(value) -> bool:
    if value is None:
        return False
    return value.__class__ is not str or bool(value.strip())


def _as_text(value) -> str:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))  # an id or a count typed as a number in Excel
    return str(value)


def read_date(value, date_format: str):
    """A date cell in the mapping's format: a date, "" for an empty cell, or a BadValue."""
    if isinstance(value, date):
        return value  # typed as a date in a workbook
    if value.__class__ is not str:
        value = _as_text(value)
    return _date_cell(value.strip(), date_format)


@lru_cache(maxsize=8192)
def _date_cell(value: str, date_format: str):
    if not value:
        return ""
    shape = DATE_SHAPE.fullmatch(value)
    expected = DATE_FORMATS[date_format]
    if shape is None:
        return BadValue(value[:40], f"'{value[:40]}' is not a date in the form {expected}")
    first, second, third = shape.groups()
    if date_format == "iso":
        year, month, day = first, second, third
    elif date_format == "dmy":
        day, month, year = first, second, third
    else:
        month, day, year = first, second, third
    if len(year) != 4 or (date_format == "iso" and len(third) > 2) or (date_format != "iso" and len(first) > 2):
        return BadValue(value, f"'{value}' is not a date in the form {expected} (a four-digit year)")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return BadValue(value, f"{value} is not a real date in the form {expected}")


def read_amount(value, decimal: str, thousands: str, parentheses: bool, sign: str):
    """An amount cell with the mapping's separators and signs: a Decimal, "" when empty, or a BadValue
    (whether it is positive, and has two decimals, is checked as for any file)."""
    if isinstance(value, Decimal):
        amount = value
    else:
        if value.__class__ is not str:
            value = _as_text(value)
        amount = _amount_cell(value.strip(), decimal, thousands, parentheses)
        if amount.__class__ is not Decimal:
            return amount
    if sign == "absolute":
        return abs(amount)
    if sign == "inverted":
        return -amount
    return amount


@lru_cache(maxsize=8192)
def _amount_cell(value: str, decimal: str, thousands: str, parentheses: bool):
    if not value:
        return ""
    shown, negative, digits = value[:40], False, value
    if parentheses and digits.startswith("(") and digits.endswith(")"):
        negative, digits = True, digits[1:-1].strip()
    if digits.endswith("-"):  # 123.45- as some ERPs write a credit
        negative, digits = not negative, digits[:-1].strip()
    if digits.startswith("-"):
        negative, digits = not negative, digits[1:].strip()
    if thousands:
        whole, _, fraction = digits.partition(decimal)
        groups = whole.split(thousands)
        if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return BadValue(shown, f"'{shown}' has its thousands separator '{thousands}' in the wrong place")
        digits = "".join(groups) + (f".{fraction}" if decimal in digits else "")
    elif decimal == ",":
        digits = digits.replace(",", ".", 1) if digits.count(",") == 1 else digits
    point = "comma" if decimal == "," else "point"
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", digits):
        return BadValue(shown, f"'{shown}' is not an amount (the mapping reads a decimal {point} '{decimal}'"
                               + (f" and thousands separated by '{thousands}'" if thousands else "") + ")")
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        return BadValue(shown, f"'{shown}' is not an amount")
    return -amount if negative else amount
