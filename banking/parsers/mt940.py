"""SWIFT MT940 customer statements, read with the `mt-940` package.

A file often holds several messages (one per account and day), each from `:20:` to its closing
balance `:62F:`/`:62M:`; we cut the file there, so a message that never reaches its closing
balance is reported at its last line ("the file ends inside a statement") instead of being read
as a short statement. The `:86:` information is free text, but most European banks structure
it, either with slash tags (`/EREF/…/IBAN/…/NAME/…/REMI/…`, Dutch and SEPA style) or with German
`?20`…`?63` sub-fields; both are read, anything else is kept as the remittance text.
Mark `RC` is the reversal of a credit (money out again), `RD` of a debit (money back in).
"""

import re
from datetime import date
from decimal import Decimal

import mt940
from mt940.options import Options

from banking.parsers.records import LineRecord, StatementError, StatementRecord, account_normalize, is_iban

_TAG = re.compile(r"^:(\d{2}[A-Z]?):")
_SLASH_TAGS = ("TRTP", "IBAN", "BIC", "NAME", "REMI", "EREF", "MARF", "CSID", "ORDP", "BENM", "ID", "ADDR",
               "CNTP", "PREF", "RTRN", "SVCL", "ULTD", "ULTC", "PURP", "CD")


def mt940_parse(data: bytes) -> list[StatementRecord]:
    text = _decode(data)
    blocks = _messages(text)
    if not blocks:
        raise StatementError.at(1, "no MT940 statement found (no :20: tag)")
    errors: list[dict] = []
    statements = []
    for start, lines in blocks:
        try:
            statements.append(_statement(start, lines))
        except StatementError as exc:
            errors.extend(exc.errors)
    if errors:
        raise StatementError(errors)
    return statements


def _decode(data: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _messages(text: str) -> list[tuple[int, list[tuple[int, str]]]]:
    """(first line number, [(line number, line)]) for each message, without SWIFT envelopes."""
    blocks: list[tuple[int, list[tuple[int, str]]]] = []
    current: list[tuple[int, str]] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if line.startswith("{") or line in ("-}", "-", "}"):
            line = line.split("{4:", 1)[1] if "{4:" in line else ""
            if not line:
                continue
        if line.startswith(":20:"):
            current = []
            blocks.append((number, current))
        if current is None:
            if line.strip():
                raise StatementError.at(number, "text before the first statement's :20: tag")
            continue
        current.append((number, line))
    return blocks


def _statement(start: int, lines: list[tuple[int, str]]) -> StatementRecord:
    closing = [n for n, line in lines if line.startswith((":62F:", ":62M:"))]
    last = lines[-1][0]
    if not closing:
        raise StatementError.at(last, "the file ends inside a statement (no closing balance :62F:)")
    tags = [(n, _TAG.match(line).group(1)) for n, line in lines if _TAG.match(line)]
    # Our own reading of :86: (both layouts, all sub-fields), with the full text: not the
    # package's German-only post-processor, nor its 9-line cut.
    transactions = mt940.models.Transactions(processors={"post_transaction_details": []},
                                             options=Options(unbounded_details=True))
    try:
        transactions.parse("\n".join(line for _, line in lines))
    except Exception as exc:  # the package raises plain RuntimeError/ValueError with the tag in the text
        raise StatementError.at(start, f"not a readable MT940 statement: {exc}") from None
    data = transactions.data
    account_id = account_normalize(str(data.get("account_identification", "")))
    if not account_id:
        raise StatementError.at(start, "statement has no account (:25:)")
    bank_code, _, number = account_id.rpartition("/")
    opening, closing_balance = data.get("final_opening_balance"), data.get("final_closing_balance")
    currency = str(getattr(opening, "amount", None) and opening.amount.currency or data.get("currency") or "")
    record = StatementRecord(
        statement_id=str(data.get("transaction_reference", "")) + "/" + str(data.get("statement_number", "")),
        account_number=number, iban=number if is_iban(number) else "",
        bank_code="" if is_iban(number) else bank_code, currency=currency,
        sequence="/".join(str(data[k]) for k in ("statement_number", "sequence_number") if data.get(k)),
        opening_balance=opening.amount.amount if opening else None,
        closing_balance=closing_balance.amount.amount if closing_balance else None,
        from_date=_as_date(opening.date) if opening else None,
        to_date=_as_date(closing_balance.date) if closing_balance else None,
        source_line=start,
    )
    if not record.currency:
        raise StatementError.at(start, "statement names no currency (:60F: opening balance)")
    line_numbers = [n for n, tag in tags if tag == "61"]
    for number_61, tx in zip(line_numbers, transactions, strict=True):
        record.lines.append(_line(tx.data, record.currency, number_61))
    return record


def _as_date(value) -> date:
    return date(value.year, value.month, value.day)


def _line(tx: dict, currency: str, source_line: int) -> LineRecord:
    status = tx["status"]
    reversal = status.startswith("R")
    # C: credit; D: debit; RC: reversal of a credit, i.e. money out; RD: reversal of a debit, money in.
    credit = status in ("C", "RD")
    details = _details(tx.get("transaction_details") or "")
    booking = _as_date(tx.get("entry_date") or tx["date"])
    bank_ref = (tx.get("bank_reference") or "").strip()
    customer_ref = (tx.get("customer_reference") or "").strip()
    amount = abs(Decimal(tx["amount"].amount))
    return LineRecord(
        booking_date=booking, value_date=_as_date(tx["date"]), amount=amount,
        direction="credit" if credit else "debit", currency=str(tx.get("currency") or currency),
        entry_reference=bank_ref if bank_ref and bank_ref.upper() != "NONREF" else "",
        is_reversal=reversal, bank_code=(tx.get("id") or "").strip(),
        counterparty_name=details.get("name", "")[:140],
        counterparty_account=account_normalize(details.get("account", ""))[:40],
        counterparty_bank=details.get("bic", "")[:35],
        end_to_end_id=details.get("eref", "")[:35],
        structured_reference=details.get("structured", "")[:35],
        remittance_text=details.get("text", ""),
        source_line=source_line,
        raw={"customer_reference": "" if customer_ref.upper() == "NONREF" else customer_ref,
             "extra_details": tx.get("extra_details") or "", "details": tx.get("transaction_details") or ""},
    )


def _details(text: str) -> dict[str, str]:
    flat = text.replace("\r", "").replace("\n", "")
    if flat.startswith("/") and re.match(r"/[A-Z]{2,4}/", flat):
        return _slash_details(flat)
    if re.match(r"^\d{3}\?\d{2}", flat) or flat.startswith("?"):
        return _german_details(flat)
    return {"text": " ".join(text.split())}


def _slash_details(flat: str) -> dict[str, str]:
    """/EREF/E2E-1/IBAN/NL91…/NAME/Müller GmbH/REMI/USTD//INV 12345/: a tag, then its value up to
    the next known tag (values may hold slashes, so only known tags split)."""
    pattern = re.compile(r"/(" + "|".join(_SLASH_TAGS) + r")/")
    parts = pattern.split(flat)
    fields: dict[str, str] = {}
    for tag, value in zip(parts[1::2], parts[2::2], strict=False):
        fields.setdefault(tag, value.strip("/ ").strip())
    remi = fields.get("REMI", "")
    structured = ""
    if remi.startswith(("USTD//", "USTD/")):
        remi = remi.split("/", 2)[-1].lstrip("/")
    elif remi.startswith(("STRD/", "STRD//")):
        bits = [b for b in remi.split("/") if b]
        structured = bits[-1] if bits else ""
        remi = structured
    eref = fields.get("EREF", "")
    return {
        "name": fields.get("NAME", ""), "account": fields.get("IBAN", "") or fields.get("CNTP", "").split("/")[0],
        "bic": fields.get("BIC", ""), "eref": "" if eref.upper() == "NOTPROVIDED" else eref,
        "structured": structured if structured.upper().startswith("RF") else "", "text": remi.strip(),
    }


def _german_details(flat: str) -> dict[str, str]:
    """GVC?00text?20…?29 remittance, ?30 BLZ/BIC, ?31 account, ?32/?33 name (DFÜ-Abkommen)."""
    fields: dict[str, list[str]] = {}
    for key, value in re.findall(r"\?(\d{2})([^?]*)", flat):
        fields.setdefault(key, []).append(value)
    purpose_keys = [f"{i}" for i in (*range(20, 30), *range(60, 64))]
    remittance = "".join(v for k in purpose_keys for v in fields.get(k, []))
    # SEPA keys inside the purpose: EREF+ end-to-end id, SVWZ+ the payer's own text, KREF+, MREF+...
    parts = re.split(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+", remittance)
    keyed = dict(zip(parts[1::2], parts[2::2], strict=False))
    eref = keyed.get("EREF", "").strip()
    text = keyed.get("SVWZ", "") if keyed else remittance
    text = text or parts[0]
    return {"name": "".join(fields.get("32", []) + fields.get("33", [])).strip(),
            "account": "".join(fields.get("31", [])),
            "bic": "".join(fields.get("30", [])), "eref": "" if eref.upper() == "NOTPROVIDED" else eref,
            "structured": "", "text": " ".join(text.split())}
