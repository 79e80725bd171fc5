"""CSV exports from online banking, read through a mapping of the bank's column names.

Every bank names its columns differently ("Buchungstag", "Booking date", "Date"), so a mapping
says which column holds what. `DEFAULT_MAPPING` reads our own documented layout and the common
English one; a bank's own is given as JSON (`import_bank_statement --mapping bank.json`):

    {"delimiter": ";", "decimal": ",", "date_format": "%d.%m.%Y", "account": "DE89370400440532013000",
     "currency": "EUR", "columns": {"booking_date": "Buchungstag", "value_date": "Valuta",
     "amount": "Betrag", "counterparty_name": "Name", "counterparty_account": "IBAN",
     "remittance_text": ["Verwendungszweck", "Verwendungszweck 2"]}}

`amount` is signed (negative = debit) unless the mapping names `credit` and `debit` columns, or
a `direction` column with its credit marker (`"credit_marker": "C"`). A CSV has no statement of
its own: the file is one statement per account named in it.
"""

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from banking.parsers.records import LineRecord, StatementError, StatementRecord, account_normalize, is_iban

DEFAULT_MAPPING: dict[str, Any] = {
    "delimiter": "",  # sniffed
    "decimal": ".",
    "date_format": "",  # ISO 8601, then day/month/year
    "columns": {
        "account": ["account", "account_iban", "Account"],
        "currency": ["currency", "Currency"],
        "booking_date": ["booking_date", "Booking date", "Date", "date"],
        "value_date": ["value_date", "Value date"],
        "amount": ["amount", "Amount"],
        "credit": ["credit", "Credit"],
        "debit": ["debit", "Debit"],
        "entry_reference": ["entry_reference", "Reference", "Bank reference", "Transaction ID"],
        "counterparty_name": ["counterparty_name", "Counterparty", "Payer", "Name"],
        "counterparty_account": ["counterparty_account", "Counterparty IBAN", "IBAN", "Account number"],
        "counterparty_bank": ["counterparty_bank", "BIC"],
        "end_to_end_id": ["end_to_end_id", "End-to-end ID"],
        "structured_reference": ["structured_reference", "Creditor reference"],
        "remittance_text": ["remittance_text", "Description", "Details", "Remittance information"],
        "bank_code": ["bank_code", "Type", "Transaction type"],
        "direction": [],  # e.g. ["Soll/Haben"] with "credit_marker": "H"
    },
}
_REQUIRED = ("booking_date",)


def mapping_merge(custom: dict[str, Any] | None) -> dict[str, Any]:
    """The default with a bank's mapping laid over it; a bank's column list replaces ours."""
    mapping = {**DEFAULT_MAPPING, "columns": dict(DEFAULT_MAPPING["columns"])}
    if custom:
        unknown = set(custom.get("columns", {})) - set(DEFAULT_MAPPING["columns"])
        if unknown:
            raise StatementError.at(0, f"the mapping names unknown fields: {', '.join(sorted(unknown))}")
        mapping.update({k: v for k, v in custom.items() if k != "columns"})
        mapping["columns"].update(custom.get("columns", {}))
    return mapping


def csv_parse(data: bytes, mapping: dict[str, Any] | None = None) -> list[StatementRecord]:
    mapping = mapping_merge(mapping)
    text = data.decode("utf-8-sig", errors="strict") if _utf8(data) else data.decode("cp1252", errors="replace")
    delimiter = mapping["delimiter"] or _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise StatementError.at(1, "the file is empty") from None
    columns = _resolve(header, mapping)
    if "amount" not in columns and not ({"credit", "debit"} & set(columns)):
        raise StatementError.at(1, "no amount column (map 'amount', or 'credit' and 'debit')")
    for field in _REQUIRED:
        if field not in columns:
            raise StatementError.at(1, f"no {field} column (the mapping's names: {mapping['columns'][field]})")
    if "account" not in columns and not mapping.get("account"):
        raise StatementError.at(1, "the CSV names no account: add an account column or \"account\" to the mapping")
    statements: dict[str, StatementRecord] = {}
    errors = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            account, line = _line(row, columns, mapping, number)
        except ValueError as exc:
            errors.append({"line": number, "message": str(exc)})
            continue
        if line is None:
            continue
        statement = statements.get(account)
        if statement is None:
            statement = statements[account] = StatementRecord(
                account_number=account, iban=account if is_iban(account) else "", currency=line.currency,
                statement_id="", source_line=number)
        statement.lines.append(line)
    if errors:
        raise StatementError(errors[:50])
    for statement in statements.values():
        days = [line.booking_date for line in statement.lines]
        statement.from_date, statement.to_date = min(days), max(days)
        # One statement per account and period: a second export of the same days is the same statement.
        statement.statement_id = f"csv/{statement.from_date:%Y%m%d}-{statement.to_date:%Y%m%d}"
    return list(statements.values())


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max((";", ",", "\t", "|"), key=first.count)


def _resolve(header: list[str], mapping: dict[str, Any]) -> dict[str, list[int]]:
    """Field → the column indexes holding it (remittance text may join several)."""
    index = {name.strip(): i for i, name in enumerate(header)}
    resolved = {}
    for field, names in mapping["columns"].items():
        names = [names] if isinstance(names, str) else names
        if field == "remittance_text":
            found = [index[n] for n in names if n in index]
        else:
            found = next(([index[n]] for n in names if n in index), [])
        if found:
            resolved[field] = found
    return resolved


def _cell(row: list[str], columns: dict[str, list[int]], field: str) -> str:
    return " ".join(row[i].strip() for i in columns.get(field, []) if i < len(row) and row[i].strip())


def _money(raw: str, mapping: dict[str, Any]) -> Decimal:
    value = raw.replace(" ", "").replace("\u00a0", "")
    if mapping["decimal"] == ",":
        value = value.replace(".", "").replace(",", ".")
    else:
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"amount {raw!r} is not a number") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"amount {raw!r} has more than 2 decimals")
    return amount


def _date(raw: str, mapping: dict[str, Any], what: str) -> date:
    formats = [mapping["date_format"]] if mapping["date_format"] else ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]
    for fmt in formats:
        try:
            return datetime.strptime(raw.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{what} {raw!r} is not a date ({' or '.join(formats)})")


def _line(row: list[str], columns: dict[str, list[int]], mapping: dict[str, Any],
          number: int) -> tuple[str, LineRecord | None]:
    account = account_normalize(_cell(row, columns, "account") or mapping.get("account", ""))
    if not account:
        raise ValueError("no account on this row")
    if "amount" in columns:
        signed = _money(_cell(row, columns, "amount"), mapping)
        direction_raw = _cell(row, columns, "direction") if "direction" in columns else ""
        if direction_raw:
            signed = abs(signed) if direction_raw == mapping.get("credit_marker", "C") else -abs(signed)
    else:
        credit, debit = _cell(row, columns, "credit"), _cell(row, columns, "debit")
        signed = _money(credit, mapping) if credit else Decimal(0)
        signed -= abs(_money(debit, mapping)) if debit else Decimal(0)
    if not signed:
        return account, None
    booking = _date(_cell(row, columns, "booking_date"), mapping, "booking date")
    value_raw = _cell(row, columns, "value_date")
    currency = (_cell(row, columns, "currency") or mapping.get("currency", "")).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError("no currency (a currency column or \"currency\" in the mapping)")
    return account, LineRecord(
        booking_date=booking, value_date=_date(value_raw, mapping, "value date") if value_raw else booking,
        amount=abs(signed), direction="credit" if signed > 0 else "debit", currency=currency,
        entry_reference=_cell(row, columns, "entry_reference")[:100], bank_code=_cell(row, columns, "bank_code")[:40],
        counterparty_name=_cell(row, columns, "counterparty_name")[:140],
        counterparty_account=account_normalize(_cell(row, columns, "counterparty_account"))[:40],
        counterparty_bank=_cell(row, columns, "counterparty_bank")[:35],
        end_to_end_id=_cell(row, columns, "end_to_end_id")[:35],
        structured_reference=_cell(row, columns, "structured_reference")[:35],
        remittance_text=_cell(row, columns, "remittance_text"), source_line=number, raw={"row": row},
    )
