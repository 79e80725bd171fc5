"""ISO 20022 camt.053 (end-of-day statement) and camt.054 (debit/credit notification).

One `Stmt` (or `Ntfctn`) is one statement; one booked `Ntry` is one line, except a batch booking
whose `NtryDtls` lists several `TxDtls`: each of those is a line of its own, since each is one
customer's payment. Read by local names, so versions .02 to .08 (and later) share the paths;
where versions differ (BIC → BICFI, Dbtr/Nm → Dbtr/Pty/Nm, Sts → Sts/Cd) both are read.
Pending and information-only entries are left out: the bank books them on a later statement.

Each entry is read once into a flat {path: [texts]} map (`_Node`): tens of thousands of
entries a second, where one ElementTree `find` per field would be several times slower.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from banking.parsers.camt_schema import MESSAGE_PREFIX, schema_validate
from banking.parsers.records import LineRecord, StatementError, StatementRecord, account_normalize, is_iban
from banking.parsers.xml_safe import namespace_of, xml_read
from core.money import CENT

_MESSAGE = re.compile(r"camt\.05[34]\.\d{3}\.\d{2}")
_BOOKED = {"BOOK", ""}


class _Missing(Exception):
    def __init__(self, line: int, what: str):
        self.error = {"line": line, "message": what}


class _Node:
    """One element's subtree as paths of local names → texts (and each path's first line), with
    the children named in `cut` left out and kept as elements to read on their own."""

    __slots__ = ("tag", "line", "texts", "elements", "cut")

    def __init__(self, el: etree._Element, cut: frozenset[str] = frozenset()):
        self.tag = _local(el.tag)
        self.line = el.sourceline or 0
        self.texts: dict[str, list[str]] = {}
        self.elements: dict[str, etree._Element] = {}  # each path's first element, for its line and attributes
        self.cut: dict[str, list[etree._Element]] = {}
        self._walk(el, "", cut)

    def _walk(self, el: etree._Element, prefix: str, cut: frozenset[str]) -> None:
        # The parser drops comments, processing instructions and blank text, so every child is an
        # element and only leaves carry text (ISO 20022 has no mixed content).
        texts, elements, names = self.texts, self.elements, _NAMES
        for child in el:
            tag = child.tag
            name = names.get(tag) or _local(tag)
            if not prefix and name in cut:
                self.cut.setdefault(name, []).append(child)
                continue
            path = prefix + name
            if path not in elements:
                elements[path] = child
            if len(child):
                self._walk(child, path + "/", cut)
                continue
            text = child.text
            if text is not None:
                text = text.strip()
                if text:
                    if path in texts:
                        texts[path].append(text)
                    else:
                        texts[path] = [text]

    def text(self, path: str) -> str:
        found = self.texts.get(path)
        return found[0] if found else ""

    def first(self, *paths: str) -> str:
        for path in paths:
            found = self.texts.get(path)
            if found:
                return found[0]
        return ""

    def all(self, path: str) -> list[str]:
        return self.texts.get(path, [])

    def has(self, path: str) -> bool:
        return path in self.elements

    def line_of(self, path: str) -> int:
        el = self.elements.get(path)
        return el.sourceline or 0 if el is not None else self.line

    def required(self, path: str, what: str) -> str:
        value = self.text(path)
        if not value:
            raise _Missing(self.line, f"{self.tag} has no {what} ({path})")
        return value

    def amount(self, path: str) -> tuple[Decimal, str]:
        raw = self.text(path)
        if not raw:
            raise _Missing(self.line, f"{self.tag} has no amount ({path})")
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise _Missing(self.line_of(path), f"amount {raw!r} is not a number") from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
            raise _Missing(self.line_of(path), f"amount {raw} is not a positive amount with at most 2 decimals")
        currency = self.elements[path].get("Ccy", "")
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise _Missing(self.line_of(path), "amount has no valid Ccy attribute")
        return amount.quantize(CENT), currency

    def date(self, path: str, what: str) -> date | None:
        """A Dt or a DtTm child: both are allowed wherever the standard takes a date."""
        if not self.has(path):
            return None
        raw = self.first(f"{path}/Dt", f"{path}/DtTm")
        if not raw:
            raise _Missing(self.line_of(path), f"{what} has neither Dt nor DtTm")
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise _Missing(self.line_of(path), f"{what} {raw!r} is not a date") from None


# Tag → local name, kept: a statement has 50,000 elements of a few dozen names. Bounded, since a
# hostile file may use any number of names.
_NAMES: dict[str, str] = {}
_NAMES_KEPT = 1024


def _local(tag: str) -> str:
    name = tag[tag.index("}") + 1:] if tag[0] == "{" else tag
    if len(_NAMES) < _NAMES_KEPT:
        _NAMES[tag] = name
    return name


def camt_parse(data: bytes) -> list[StatementRecord]:
    root = xml_read(data)
    namespace = namespace_of(root)
    message = namespace.removeprefix(MESSAGE_PREFIX)
    if not _MESSAGE.fullmatch(message):
        raise StatementError([{"line": root.sourceline or 1,
                               "message": f"not a camt.053 or camt.054 message (namespace {namespace or 'none'})"}])
    validated = schema_validate(root, message)
    wanted = "Stmt" if message.startswith("camt.053") else "Ntfctn"
    errors: list[dict] = []
    statements = []
    for group in root:
        for stmt in group:
            if isinstance(stmt.tag, str) and _local(stmt.tag) == wanted:
                try:
                    statements.append(_statement(_Node(stmt, cut=frozenset({"Ntry", "Bal"})), errors))
                except _Missing as exc:
                    errors.append(exc.error)
    if not statements and not errors:
        errors.append({"line": root.sourceline or 1, "message": "the file holds no statement"})
    if errors:
        raise StatementError(errors)
    for statement in statements:
        for line in statement.lines:
            line.raw["schema_validated"] = validated
    return statements


def _statement(stmt: _Node, errors: list[dict]) -> StatementRecord:
    if not stmt.has("Acct"):
        raise _Missing(stmt.line, "statement has no account (Acct)")
    iban = account_normalize(stmt.text("Acct/Id/IBAN"))
    number = iban or account_normalize(stmt.text("Acct/Id/Othr/Id"))
    if not number:
        raise _Missing(stmt.line_of("Acct"), "account has neither IBAN nor Othr/Id")
    bic = stmt.first("Acct/Svcr/FinInstnId/BICFI", "Acct/Svcr/FinInstnId/BIC")
    record = StatementRecord(
        statement_id=stmt.required("Id", "Id"), account_number=number, iban=iban if is_iban(iban) else "",
        bank_code="" if iban else (bic or stmt.text("Acct/Svcr/FinInstnId/Othr/Id")),
        currency=stmt.text("Acct/Ccy"), account_name=stmt.first("Acct/Nm", "Acct/Ownr/Nm"),
        sequence=stmt.first("ElctrncSeqNb", "LglSeqNb"), source_line=stmt.line,
        from_date=_iso_date(stmt.text("FrToDt/FrDtTm")), to_date=_iso_date(stmt.text("FrToDt/ToDtTm")),
    )
    for el in stmt.cut.get("Bal", []):
        bal = _Node(el)
        code = bal.first("Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        amount, currency = bal.amount("Amt")
        signed = -amount if bal.text("CdtDbtInd") == "DBIT" else amount
        record.currency = record.currency or currency
        if code in ("OPBD", "PRCD") and record.opening_balance is None:
            record.opening_balance = signed
        elif code == "CLBD":
            record.closing_balance = signed
    for el in stmt.cut.get("Ntry", []):
        try:
            record.lines.extend(_entry_lines(_Node(el, cut=frozenset({"NtryDtls"}))))
        except _Missing as exc:
            errors.append(exc.error)
    if not record.currency:
        record.currency = record.lines[0].currency if record.lines else ""
    if not record.currency:
        raise _Missing(stmt.line, "statement names no currency (Acct/Ccy or a balance)")
    return record


def _iso_date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _entry_lines(ntry: _Node) -> list[LineRecord]:
    if ntry.first("Sts/Cd", "Sts") not in _BOOKED:
        return []
    amount, currency = ntry.amount("Amt")
    if not amount:
        return []  # an information entry of nothing (some banks send them); it moves no money
    indicator = ntry.required("CdtDbtInd", "credit/debit indicator")
    if indicator not in ("CRDT", "DBIT"):
        raise _Missing(ntry.line_of("CdtDbtInd"), f"CdtDbtInd {indicator!r} is neither CRDT nor DBIT")
    booking = ntry.date("BookgDt", "booking date") or ntry.date("ValDt", "value date")
    if booking is None:
        raise _Missing(ntry.line, "entry has no booking date (BookgDt)")
    entry = _Entry(
        credit=indicator == "CRDT", reversal=ntry.text("RvslInd").lower() in ("true", "1"), currency=currency,
        booking=booking, value=ntry.date("ValDt", "value date") or booking,
        code="/".join(filter(None, (ntry.text("BkTxCd/Domn/Cd"), ntry.text("BkTxCd/Domn/Fmly/Cd"),
                                    ntry.text("BkTxCd/Domn/Fmly/SubFmlyCd")))) or ntry.text("BkTxCd/Prtry/Cd"),
        text=" ".join(ntry.all("AddtlNtryInf")),
    )
    reference = ntry.first("AcctSvcrRef", "NtryRef")
    details = [_Node(tx) for dtls in ntry.cut.get("NtryDtls", []) for tx in dtls
               if isinstance(tx.tag, str) and _local(tx.tag) == "TxDtls"]
    if len(details) <= 1:
        tx = details[0] if details else None
        return [_line(tx, entry, amount, reference or (tx.text("Refs/AcctSvcrRef") if tx else ""), ntry.line)]
    lines = []
    for position, tx in enumerate(details, start=1):
        tx_amount, _ = tx.amount("AmtDtls/TxAmt/Amt" if tx.has("AmtDtls/TxAmt/Amt") else "Amt")
        tx_reference = tx.text("Refs/AcctSvcrRef")
        if not tx_reference or tx_reference == reference:
            tx_reference = f"{reference}/{position}" if reference else ""
        lines.append(_line(tx, entry, tx_amount, tx_reference, tx.line))
    total = sum(line.amount for line in lines)
    if total != amount:
        raise _Missing(ntry.line, f"the batch's transactions add up to {total}, the entry says {amount}")
    return lines


class _Entry:
    __slots__ = ("credit", "reversal", "currency", "booking", "value", "code", "text")

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            setattr(self, key, value)


def _line(tx: _Node | None, entry: _Entry, amount: Decimal, reference: str, source_line: int) -> LineRecord:
    if tx is None:
        return LineRecord(booking_date=entry.booking, value_date=entry.value, amount=amount,
                          direction="credit" if entry.credit else "debit", currency=entry.currency,
                          entry_reference=reference, is_reversal=entry.reversal, bank_code=entry.code[:40],
                          remittance_text=entry.text, source_line=source_line, raw={})
    # The other side: for money in, whoever paid it; for money out, whoever received it.
    # A reversal's other side is the original's, so the roles flip with it.
    party, agent = ("Dbtr", "DbtrAgt") if entry.credit != entry.reversal else ("Cdtr", "CdtrAgt")
    ultimate = tx.first(f"RltdPties/Ultmt{party}/Pty/Nm", f"RltdPties/Ultmt{party}/Nm")
    name = tx.first(f"RltdPties/{party}/Pty/Nm", f"RltdPties/{party}/Nm") or ultimate
    account = account_normalize(tx.first(f"RltdPties/{party}Acct/Id/IBAN", f"RltdPties/{party}Acct/Id/Othr/Id"))
    documents = tx.all("RmtInf/Strd/RfrdDocInf/Nb")
    end_to_end = tx.text("Refs/EndToEndId")
    text = " ".join(tx.all("RmtInf/Ustrd") + documents + tx.all("AddtlTxInf") + ([entry.text] if entry.text else []))
    return LineRecord(
        booking_date=entry.booking, value_date=entry.value, amount=amount,
        direction="credit" if entry.credit else "debit", currency=entry.currency, entry_reference=reference,
        is_reversal=entry.reversal, bank_code=entry.code[:40], counterparty_name=name[:140],
        counterparty_account=account[:40],
        counterparty_bank=tx.first(f"RltdAgts/{agent}/FinInstnId/BICFI", f"RltdAgts/{agent}/FinInstnId/BIC")[:35],
        end_to_end_id="" if end_to_end.upper() == "NOTPROVIDED" else end_to_end[:35],
        structured_reference=tx.text("RmtInf/Strd/CdtrRefInf/Ref")[:35], remittance_text=text,
        source_line=source_line,
        raw={"documents": documents, "instruction_id": tx.text("Refs/InstrId"), "ultimate_party": ultimate},
    )
