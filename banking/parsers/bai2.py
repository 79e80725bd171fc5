"""BAI2 cash management files (US banks), read with the `bai2` package.

A file has groups (one per bank and as-of date) of accounts; each account (`03` … `49`) is one
statement here, each `16` detail record one line. Direction and meaning come from the type code
(the package's table); the control totals and record counts are checked by the package, so a
file that lost records fails whole. Amounts are in cents without a sign.
"""

from datetime import date
from decimal import Decimal

from bai2 import bai2
from bai2.constants import TypeCodeTransaction
from bai2.exceptions import IntegrityException, NotSupportedYetException, ParsingException

from banking.parsers.records import LineRecord, StatementError, StatementRecord, account_normalize
from core.money import CENT

# Detail codes that reverse an earlier entry (BAI2 type code list).
REVERSAL_CODES = frozenset({"252", "258", "395", "552", "558", "694"})


def bai2_parse(data: bytes) -> list[StatementRecord]:
    text = data.decode("utf-8", errors="replace")
    numbered = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not numbered or not numbered[0][1].startswith("01,"):
        raise StatementError.at(numbered[0][0] if numbered else 1, "a BAI2 file starts with a 01 file header")
    if not numbered[-1][1].startswith("99,"):
        raise StatementError.at(numbered[-1][0], "the file ends inside a statement (no 99 file trailer)")
    try:
        parsed = bai2.parse_from_lines(line for _, line in numbered)
    except (ParsingException, IntegrityException, NotSupportedYetException, ValueError, IndexError, KeyError) as exc:
        raise StatementError.at(0, f"not a readable BAI2 file: {exc}") from None
    # The package merges 88 continuation records into their record; walk the records in file
    # order to give each detail the line it starts on.
    starts = iter(n for n, line in numbered if not line.startswith("88,"))
    next(starts)  # 01
    statements = []
    for group in parsed.children:
        next(starts)  # 02
        header = group.header
        for account in group.children:
            account_line = next(starts)
            ident = account.header
            number = account_normalize(ident.customer_account_number or "")
            currency = ident.currency or header.currency or "USD"
            as_of = header.as_of_date
            opening = closing = None
            for summary in ident.summary_items:
                code = summary.type_code.code if summary.type_code else ""
                if code == "010" and summary.amount is not None:
                    opening = (Decimal(summary.amount) / 100).quantize(CENT)
                elif code == "015" and summary.amount is not None:
                    closing = (Decimal(summary.amount) / 100).quantize(CENT)
            record = StatementRecord(
                statement_id=f"{parsed.header.file_id}/{header.originator_id}/{as_of:%Y%m%d}/{number}",
                account_number=number, bank_code=header.originator_id or "", currency=currency,
                from_date=as_of, to_date=as_of, opening_balance=opening, closing_balance=closing,
                sequence=str(parsed.header.file_id or ""), source_line=account_line,
            )
            for detail in account.children:
                record.lines.append(_line(detail, currency, as_of, next(starts)))
            next(starts)  # 49
            statements.append(record)
        next(starts)  # 98
    return statements


def _line(detail, currency: str, as_of: date, source_line: int) -> LineRecord:
    type_code = detail.type_code
    if type_code is None or type_code.transaction not in (TypeCodeTransaction.credit, TypeCodeTransaction.debit):
        code = getattr(type_code, "code", "?")
        raise StatementError.at(source_line, f"detail type code {code} is neither a credit nor a debit")
    value_date = as_of
    if isinstance(detail.availability, dict) and isinstance(detail.availability.get("date"), date):
        value_date = detail.availability["date"]
    text = (detail.text or "").strip().rstrip("/").strip()
    bank_ref = (detail.bank_reference or "").strip()
    return LineRecord(
        booking_date=as_of, value_date=value_date, amount=(Decimal(detail.amount or 0) / 100).quantize(CENT),
        direction="credit" if type_code.transaction == TypeCodeTransaction.credit else "debit",
        currency=currency, entry_reference=bank_ref, is_reversal=type_code.code in REVERSAL_CODES,
        bank_code=type_code.code, remittance_text=text, source_line=source_line,
        counterparty_name=_originator(text),
        raw={"customer_reference": (detail.customer_reference or "").strip(), "type": type_code.description},
    )


def _originator(text: str) -> str:
    """ACH and wire texts often carry the payer as "ORIG CO NAME:ACME INC" or "ORG=ACME INC"."""
    upper = text.upper()
    for marker in ("ORIG CO NAME:", "ORIGINATOR:", "ORG=", "B/O:", "BY ORDER OF:"):
        at = upper.find(marker)
        if at >= 0:
            rest = text[at + len(marker):].strip()
            for stop in (" ORIG ID", " CO ENTRY", " SEC:", " IND ID", " IND NAME", " REF ", " OBI", "/", "  "):
                cut = rest.upper().find(stop)
                if cut > 0:
                    rest = rest[:cut]
            return rest.strip()[:140]
    return ""
