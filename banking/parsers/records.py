"""What every parser returns: statements and lines in one shape, whatever the bank's format.

A parser fills these and `banking.ingest` writes them. Amounts are positive `Decimal`s with a
direction; dates are `date`s; account numbers are normalized (no spaces, upper case).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


class StatementError(Exception):
    """A file that cannot be imported. `errors` lists what is wrong where:
    `[{"line": 57, "message": "the file ends inside a statement"}]` (line 0: the whole file)."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        super().__init__(errors_text(errors))

    @classmethod
    def at(cls, line: int, message: str) -> "StatementError":
        return cls([{"line": line, "message": message}])


def errors_text(errors: list[dict[str, Any]], limit: int = 5) -> str:
    """"line 57: the file ends inside a statement; …" for a message or a log."""
    return "; ".join(f"line {e['line']}: {e['message']}" if e.get("line") else e["message"] for e in errors[:limit])


@dataclass
class LineRecord:
    booking_date: date
    value_date: date
    amount: Decimal
    direction: str  # "credit" | "debit"
    currency: str
    entry_reference: str = ""
    is_reversal: bool = False
    bank_code: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    counterparty_bank: str = ""
    end_to_end_id: str = ""
    structured_reference: str = ""
    remittance_text: str = ""
    # Set by a parser that knows better than the generic rule (banking.classify), e.g. a charge record.
    kind: str = ""
    source_line: int = 0  # where in the file it starts, for messages
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class StatementRecord:
    account_number: str
    currency: str
    statement_id: str
    iban: str = ""
    bank_code: str = ""
    account_name: str = ""
    sequence: str = ""
    from_date: date | None = None
    to_date: date | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    source_line: int = 0
    lines: list[LineRecord] = field(default_factory=list)


def account_normalize(value: str) -> str:
    """IBANs and account numbers as banks print them ("DE89 3704 0044 ...") compare equal to the
    way customers type them once spaces and case are gone."""
    return "".join(value.split()).replace("-", "").upper() if value else ""


def is_iban(value: str) -> bool:
    """The shape and the ISO 13616 mod-97 check: enough to tell an IBAN from a domestic number."""
    v = account_normalize(value)
    if not (15 <= len(v) <= 34 and v[:2].isalpha() and v[2:4].isdigit() and v.isalnum()):
        return False
    digits = "".join(str(int(c, 36)) for c in v[4:] + v[:4])
    return int(digits) % 97 == 1


def fallback_reference(account_key: str, line: LineRecord, ordinal: int) -> str:
    """A stable key for a line whose format carries no entry reference: what the line says, and
    which of the identical lines on that account it is (1st, 2nd…), so the same line hashes the
    same on every import, whatever else the file holds."""
    parts = [account_key, line.booking_date.isoformat(), line.value_date.isoformat(), line.direction,
             str(line.amount), line.currency, line.counterparty_account, line.counterparty_name, line.end_to_end_id,
             line.structured_reference, line.remittance_text, str(ordinal)]
    return "H" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
