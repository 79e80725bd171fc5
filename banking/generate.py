"""Realistic statements written from a book's own open invoices, with the answer key.

The cash application is measured on these (`make bench`, the accuracy tests) and the demo book
gets its month of statements from them. Each credit pays open invoices the way customers really
pay: the clean reference, a reference with a typo (prefix dropped, digits transposed, spaces),
no reference at all, several invoices at once (listed or not), a short payment, a payer account
we have never seen, or money from someone who is no customer. Bank charges and supplier debits
fill the rest. `truth` says for every receipt which customer and invoices it pays, so a
matcher's answer can be scored line by line.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from lxml import etree
from lxml.builder import ElementMaker

from core.money import CENT
from ledger.models import Customer, Invoice

# Shares of the lines, as a bank statement of a B2B seller shows them (they need not sum to 1).
MIX: dict[str, float] = {
    "clean": 0.46,  # the invoice number as we print it
    "typo_prefix": 0.06,  # "0012345" or "12345" for INV0012345
    "typo_transposed": 0.04,  # two neighbouring digits swapped
    "typo_spaces": 0.05,  # "INV 0012 345", "inv-0012345"
    "no_reference": 0.08,  # nothing but the payer's account and the amount
    "multi_invoice": 0.10,  # one payment for 2–4 invoices, all, some or none listed
    "short_pay": 0.05,  # a listed invoice paid a little short (bank fees, a deduction)
    "unknown_payer": 0.04,  # a new account and another name (parent company, payment agent)
    "stranger": 0.02,  # money from someone who is not a customer
    "charge": 0.04,  # our bank's fees
    "supplier_debit": 0.06,  # money out to suppliers, payroll, rent
}
RECEIPTS = ("clean", "typo_prefix", "typo_transposed", "typo_spaces", "no_reference", "multi_invoice",
            "short_pay", "unknown_payer", "stranger")
Truth = dict[str, tuple[int | None, dict[int, Decimal]]]
OPENING_BALANCE = Decimal("250000.00")
_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


@dataclass
class GeneratedLine:
    scenario: str
    booking_date: date
    amount: Decimal
    currency: str
    direction: str
    reference: str
    name: str = ""
    account: str = ""
    end_to_end_id: str = ""
    structured_reference: str = ""
    text: str = ""
    bank_code: str = "PMNT/RCDT/ESCT"
    customer_id: int | None = None
    invoices: dict[int, Decimal] = field(default_factory=dict)


def iban_make(country: str, bank: str, account: str) -> str:
    """A valid IBAN (ISO 13616 check digits) for a made-up bank and account number."""
    bban = (bank + account).upper()
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def payer_iban(customer_id: int, variant: int = 0) -> str:
    """The account a customer pays from (variant 1, 2…: other accounts of theirs). Stable, so a
    test or the demo can teach the matcher which account is whose."""
    return iban_make("DE", f"{50010517 + variant:08d}", f"{customer_id:010d}")


def our_iban(currency: str) -> str:
    return iban_make("DE", "37040044", f"{sum(ord(c) * 31 ** i for i, c in enumerate(currency)) % 10**10:010d}")


def statement_generate(book=None, n_lines: int = 1000, mix: dict[str, float] | None = None, *,
                       format: str = "camt053", seed: int = 0, on: date | None = None,
                       days: int = 1) -> tuple[bytes, Truth]:
    """A statement file of about `n_lines` lines paying `book`'s open invoices (a queryset or
    list of customers; all customers when None), over `days` days ending `on`; and the truth for
    every receipt: entry_reference → (customer id or None, {invoice id: amount paid})."""
    lines = lines_plan(book, n_lines, mix or MIX, seed=seed, on=on or timezone.localdate(), days=days)
    data = camt053_write(lines) if format == "camt053" else mt940_write(lines)
    return data, lines_truth(lines)


def lines_truth(lines: list[GeneratedLine]) -> Truth:
    return {line.reference: (line.customer_id, dict(line.invoices)) for line in lines if line.scenario in RECEIPTS}


def lines_plan(book, n_lines: int, mix: dict[str, float], *, seed: int, on: date, days: int) -> list[GeneratedLine]:
    """Lines in booking order; each open invoice is paid at most once."""
    rng = random.Random(seed)
    by_customer = _open_invoices(book)
    customers = [c for c in by_customer if by_customer[c]["invoices"]]
    rng.shuffle(customers)
    scenarios = _scenarios(rng, n_lines, mix)
    start = on - timedelta(days=max(days, 1) - 1)
    lines: list[GeneratedLine] = []
    cursor = 0
    for position, scenario in enumerate(scenarios):
        day = start + timedelta(days=position * max(days, 1) // max(len(scenarios), 1))
        # 16 characters: what an MT940 :61: bank reference holds.
        reference = f"G{seed % 100:02d}{day:%y%m%d}{position:07d}"
        if scenario in ("charge", "supplier_debit"):
            lines.append(_debit(rng, scenario, day, reference, _currency_of(by_customer, customers, cursor)))
            continue
        if scenario == "stranger":
            lines.append(_stranger(rng, day, reference, _currency_of(by_customer, customers, cursor)))
            continue
        line = None
        for _ in range(len(customers)):
            if not customers:
                break
            customer_id = customers[cursor % len(customers)]
            cursor += 1
            line = _receipt(rng, scenario, day, reference, customer_id, by_customer[customer_id])
            if line is not None:
                break
        if line is not None:
            lines.append(line)
    return lines


def _scenarios(rng: random.Random, n_lines: int, mix: dict[str, float]) -> list[str]:
    names = [name for name in mix if mix[name] > 0]
    total = sum(mix[name] for name in names)
    counts = {name: int(n_lines * mix[name] / total) for name in names}
    for name in rng.sample(names, len(names)):
        if sum(counts.values()) >= n_lines:
            break
        counts[name] += 1
    scenarios = [name for name in names for _ in range(counts[name])]
    rng.shuffle(scenarios)
    return scenarios


def _open_invoices(book) -> dict[int, dict]:
    """customer id → name and open invoices (oldest first), in two queries."""
    invoices = Invoice.objects.filter(status=Invoice.Status.OPEN, document_type=Invoice.DocumentType.INVOICE)
    customers = Customer.objects.all()
    if book is not None:
        invoices = invoices.filter(customer__in=book)
        customers = customers.filter(pk__in=[c.pk if isinstance(c, Customer) else c for c in book]) \
            if isinstance(book, list | tuple) else customers.filter(pk__in=book.values("pk"))
    found = {c["id"]: {"name": c["name"], "invoices": []} for c in customers.values("id", "name")}
    for row in invoices.order_by("due_date", "id").values("id", "external_id", "customer_id", "open_amount", "currency",
                                                          "po_number"):
        if row["customer_id"] in found and row["open_amount"] > 0:
            found[row["customer_id"]]["invoices"].append(row)
    return found


def _currency_of(by_customer: dict, customers: list[int], cursor: int) -> str:
    for offset in range(len(customers)):
        invoices = by_customer[customers[(cursor + offset) % len(customers)]]["invoices"]
        if invoices:
            return invoices[0]["currency"]
    return "EUR"


def _take(rng: random.Random, invoices: list[dict], count: int) -> list[dict]:
    """Up to `count` unpaid invoices of one currency, removed from the customer's list."""
    if not invoices:
        return []
    currency = invoices[0]["currency"]
    same = [row for row in invoices if row["currency"] == currency][:max(count, 1) * 2]
    picked = rng.sample(same, min(count, len(same)))
    for row in picked:
        invoices.remove(row)
    return picked


def _receipt(rng: random.Random, scenario: str, day: date, reference: str, customer_id: int,
             customer: dict) -> GeneratedLine | None:
    count = rng.randint(2, 4) if scenario == "multi_invoice" else 1
    if scenario == "multi_invoice" and len(customer["invoices"]) < 2:
        return None
    picked = _take(rng, customer["invoices"], count)
    if not picked:
        return None
    paid = {row["id"]: row["open_amount"] for row in picked}
    if scenario == "short_pay":
        first = picked[0]
        short = min((first["open_amount"] * Decimal(rng.choice(("0.005", "0.01", "0.015")))).quantize(CENT),
                    Decimal(rng.choice(("12.50", "25.00", "35.00", "45.00"))))
        paid[first["id"]] = first["open_amount"] - max(short, CENT)
    numbers = [row["external_id"] for row in picked]
    text = _remittance(rng, scenario, numbers, picked)
    name, account = customer["name"], payer_iban(customer_id)
    if scenario == "unknown_payer":
        name = rng.choice((f"{customer['name']} Holding", f"Payments on behalf of {customer['name']}",
                           "GLOBAL PAY SERVICES LTD", f"{customer['name'].split()[0]} Group Treasury"))
        account = payer_iban(customer_id, variant=rng.randint(1, 9))
    return GeneratedLine(
        scenario=scenario, booking_date=day, amount=sum(paid.values(), Decimal(0)), currency=picked[0]["currency"],
        direction="credit", reference=reference, name=name[:140], account=account,
        end_to_end_id=f"E2E{reference[-10:]}" if rng.random() < 0.7 else "",
        structured_reference="", text=text, customer_id=customer_id, invoices=paid,
    )


def _remittance(rng: random.Random, scenario: str, numbers: list[str], picked: list[dict]) -> str:
    number = numbers[0]
    digits = number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if scenario in ("clean", "short_pay", "unknown_payer"):
        lead = rng.choice(("", "Invoice ", "INVOICE ", "Payment ", "Rechnung ", "Facture "))
        return f"{lead}{number}"
    if scenario == "typo_prefix":
        return rng.choice((digits, digits.lstrip("0"), f"Invoice {digits.lstrip('0')}"))
    if scenario == "typo_transposed":
        chars = list(digits)
        swappable = [i for i in range(len(chars) - 1) if chars[i] != chars[i + 1]]
        if not swappable:
            return digits.lstrip("0")  # nothing to swap in "000111"…: the prefix dropped instead
        at = rng.choice(swappable)
        chars[at], chars[at + 1] = chars[at + 1], chars[at]
        return f"INV{''.join(chars)}"
    if scenario == "typo_spaces":
        prefix = number[: len(number) - len(digits)]
        return rng.choice((f"{prefix} {digits[:4]} {digits[4:]}", f"{prefix.lower()}-{digits}", f"{prefix} {digits}"))
    if scenario == "multi_invoice":
        style = rng.random()
        if style < 0.6:
            return rng.choice(("Invoices ", "INV ", "")) + ", ".join(numbers)
        if style < 0.8:
            return " ".join(numbers[:-1]) + " and others"
        po = next((row["po_number"] for row in picked if row["po_number"]), "")
        return f"PO {po}" if po else "Payment November"
    return rng.choice(("", "Payment", "Zahlung", "AP run 2026-11", "Thank you"))


def _stranger(rng: random.Random, day: date, reference: str, currency: str) -> GeneratedLine:
    name = rng.choice(("John Smith", "Ærø Fiskeri ApS", "Unknown Remitter", "株式会社 佐藤商事", "Overseas Trading Co"))
    return GeneratedLine(scenario="stranger", booking_date=day, currency=currency, direction="credit",
                         reference=reference,
                         amount=(Decimal(rng.randint(2000, 400000)) / 100).quantize(CENT), name=name,
                         account=iban_make("FR", "30006000", f"{rng.randint(10**10, 10**11 - 1)}"),
                         text=rng.choice(("refund", "deposit", "order 5531", "")))


def _debit(rng: random.Random, scenario: str, day: date, reference: str, currency: str) -> GeneratedLine:
    if scenario == "charge":
        return GeneratedLine(scenario=scenario, booking_date=day, currency=currency, direction="debit",
                             reference=reference, amount=Decimal(rng.choice(("2.50", "8.90", "18.50", "35.00"))),
                             text=rng.choice(("Account fee", "SEPA transaction charges", "Wire fee")),
                             bank_code="ACMT/MDOP/CHRG")
    supplier = rng.choice(("Office Supplies Berlin GmbH", "Northwind Logistics", "Payroll Services AG",
                           "Gewerbeimmobilien Berlin GmbH", "Stadtwerke München"))
    return GeneratedLine(scenario=scenario, booking_date=day, currency=currency, direction="debit", reference=reference,
                         amount=(Decimal(rng.randint(5000, 2500000)) / 100).quantize(CENT), name=supplier,
                         account=iban_make("DE", "12030000", f"{rng.randint(10**9, 10**10 - 1)}"),
                         text=f"Supplier invoice {rng.randint(1000, 9999)}", bank_code="PMNT/ICDT/ESCT")


def _statements(lines: list[GeneratedLine]) -> list[tuple[str, date, list[GeneratedLine]]]:
    """One statement per currency (our account in it) and day, in order."""
    grouped: dict[tuple[str, date], list[GeneratedLine]] = {}
    for line in lines:
        grouped.setdefault((line.currency, line.booking_date), []).append(line)
    return [(currency, day, grouped[(currency, day)]) for currency, day in sorted(grouped)]


def camt053_write(lines: list[GeneratedLine]) -> bytes:
    """A camt.053.001.02 document, valid against its XSD: one Stmt per account and day."""
    E = _builder()
    statements = []
    balances: dict[str, Decimal] = {}
    for number, (currency, day, group) in enumerate(_statements(lines), start=1):
        opening = balances.get(currency, OPENING_BALANCE)
        closing = balances[currency] = opening + _net(group)
        statements.append(E.Stmt(
            E.Id(f"GEN-{currency}-{day:%Y%m%d}"), E.ElctrncSeqNb(str(number)), E.CreDtTm(f"{day:%Y-%m-%d}T23:00:00"),
            E.FrToDt(E.FrDtTm(f"{day:%Y-%m-%d}T00:00:00"), E.ToDtTm(f"{day:%Y-%m-%d}T23:59:59")),
            E.Acct(E.Id(E.IBAN(our_iban(currency))), E.Ccy(currency)),
            _balance(E, "OPBD", opening, currency, day), _balance(E, "CLBD", closing, currency, day),
            *[_entry(E, line) for line in group],
        ))
    created = max((line.booking_date for line in lines), default=timezone.localdate())
    header = E.GrpHdr(E.MsgId(f"GEN-{created:%Y%m%d}"), E.CreDtTm(f"{created:%Y-%m-%d}T23:00:00"))
    document = E.Document(E.BkToCstmrStmt(header, *statements))
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _net(group: list[GeneratedLine]) -> Decimal:
    return sum((line.amount if line.direction == "credit" else -line.amount for line in group), Decimal(0))


def _balance(E, code: str, amount: Decimal, currency: str, day: date) -> etree._Element:
    return E.Bal(E.Tp(E.CdOrPrtry(E.Cd(code))), E.Amt(f"{abs(amount):.2f}", Ccy=currency),
                 E.CdtDbtInd("CRDT" if amount >= 0 else "DBIT"), E.Dt(E.Dt(day.isoformat())))


def _builder() -> ElementMaker:
    return ElementMaker(namespace=_NS, nsmap={None: _NS})


def _entry(E, line: GeneratedLine) -> etree._Element:
    domain, family, sub = line.bank_code.split("/")
    credit = line.direction == "credit"
    party = "Dbtr" if credit else "Cdtr"
    parties = []
    if line.name:
        parties.append(E(party, E.Nm(line.name)))
    if line.account:
        parties.append(E(f"{party}Acct", E.Id(E.IBAN(line.account))))
    details = []
    if parties or line.text or line.end_to_end_id:
        tx = [E.Refs(E.EndToEndId(line.end_to_end_id or "NOTPROVIDED"))]
        if parties:
            tx.append(E.RltdPties(*parties))
        if line.text:
            tx.append(E.RmtInf(E.Ustrd(line.text[:140])))
        details.append(E.NtryDtls(E.TxDtls(*tx)))
    return E.Ntry(
        E.Amt(f"{line.amount:.2f}", Ccy=line.currency), E.CdtDbtInd("CRDT" if credit else "DBIT"), E.Sts("BOOK"),
        E.BookgDt(E.Dt(line.booking_date.isoformat())), E.ValDt(E.Dt(line.booking_date.isoformat())),
        E.AcctSvcrRef(line.reference),
        E.BkTxCd(E.Domn(E.Cd(domain), E.Fmly(E.Cd(family), E.SubFmlyCd(sub)))),
        *details,
        *([E.AddtlNtryInf(line.text[:500])] if not details and line.text else []),
    )


def mt940_write(lines: list[GeneratedLine]) -> bytes:
    """MT940 messages in the Dutch/SEPA :86: layout (/EREF/…/IBAN/…/NAME/…/REMI/USTD//…/)."""
    out: list[str] = []
    balances: dict[str, Decimal] = {}
    for currency, day, group in _statements(lines):
        opening = balances.get(currency, OPENING_BALANCE)
        closing = balances[currency] = opening + _net(group)
        out += [f":20:GEN{day:%y%m%d}", f":25:{our_iban(currency)}", f":28C:{day:%j}/1",
                f":60F:{'C' if opening >= 0 else 'D'}{day:%y%m%d}{currency}{_mt_amount(abs(opening))}"]
        for line in group:
            mark = "C" if line.direction == "credit" else "D"
            kind = "NCHG" if line.scenario == "charge" else "NTRF"
            out.append(f":61:{day:%y%m%d}{day:%m%d}{mark}{_mt_amount(line.amount)}{kind}NONREF//{line.reference}")
            details = ""
            if line.end_to_end_id:
                details += f"/EREF/{line.end_to_end_id}"
            if line.account:
                details += f"/IBAN/{line.account}"
            if line.name:
                details += f"/NAME/{line.name}"
            details += f"/REMI/USTD//{line.text}/" if line.text else ""
            details = details or "/REMI/USTD///"
            out += _mt_wrap(":86:" + details)
        sign = "C" if closing >= 0 else "D"
        out.append(f":62F:{sign}{day:%y%m%d}{currency}{_mt_amount(abs(closing))}")
        out.append("-")
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def _mt_wrap(field: str, width: int = 65, lines: int = 6) -> list[str]:
    """Lines of at most 65 characters, never cut next to a space: readers strip each line's ends,
    so a space there would be lost when the lines are joined again."""
    out = []
    while field and len(out) < lines:
        cut = min(width, len(field))
        while cut < len(field) and cut > 1 and (field[cut - 1] == " " or field[cut] == " "):
            cut -= 1
        out.append(field[:cut])
        field = field[cut:]
    return out


def _mt_amount(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")
