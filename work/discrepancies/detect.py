"""The rules that spot what a sharp collector catches: an invoice sent twice, a payment booked twice, a
credit note larger than the invoice it credits, a due date that does not follow the customer's terms.

Each rule takes the ids of the documents to look at (those an import just wrote, or any others) and
compares them with the whole book, a chunk of ids at a time: the documents a chunk could repeat are
read in one query by (customer, amount), then paired in pandas by (customer, amount, currency), so
an import of 100,000 invoices costs a few queries per chunk, never one per row nor every invoice
against every other. A rule only finds; `work.discrepancies.services` records what it found.

- Duplicate invoice: same customer, amount and currency, not void, and at least one of: the same PO
  number, issued within DUPLICATE_INVOICE_DAYS of each other, the same number once written the same
  way ("INV-0012", "INV0012" and "0012" are one number), or near-identical numbers (the same digits
  and a rapidfuzz similarity of at least NEAR_NUMBER_RATIO: "INV-1001" and "INV-1001A").
- Payment recorded twice: same customer, amount and currency, both posted, and received the same
  day or carrying the same reference.
- Credit note larger than its invoice: applied to an invoice, or naming one of the customer's invoices
  in its reason, for more than that invoice's amount (same currency).
- Terms mismatch: an invoice whose due date is not issue date + the customer's payment terms, give
  or take DUE_DATE_TERMS_TOLERANCE_DAYS.
"""

import re
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from django.conf import settings
from django.db.models import QuerySet
from rapidfuzz import fuzz

from ledger.models import Application, CreditNote, Invoice, Payment
from work.discrepancies.models import Discrepancy

CHUNK = 2000  # ids looked at per query (well under SQLite's limit on query parameters)
NEAR_NUMBER_RATIO = 80  # rapidfuzz similarity of two numbers with the same digits to call them near-identical
Kind = Discrepancy.Kind


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str
    customer_id: int
    detail: str
    confidence: int
    invoice_id: int | None = None
    other_invoice_id: int | None = None
    payment_id: int | None = None
    other_payment_id: int | None = None
    credit_note_id: int | None = None


def chunked(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def number_key(number: str) -> str:
    """An invoice number as written without its letters prefix, separators and leading zeros:
    "INV-0012", "INV0012", "inv 12" and "0012" are all "12"."""
    compact = re.sub(r"[^0-9A-Z]", "", (number or "").upper())
    return re.sub(r"^[A-Z]*", "", compact).lstrip("0") or compact


def digits_of(number: str) -> str:
    return re.sub(r"\D", "", number or "").lstrip("0")


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=columns)


def _pairs(new: pd.DataFrame, book: pd.DataFrame) -> pd.DataFrame:
    """Every (new document, other document of the book) with the same customer, amount and currency."""
    pairs = new.merge(book, on=["customer_id", "amount", "currency"], suffixes=("_a", "_b"))
    return pairs[pairs["id_a"] != pairs["id_b"]]


def _ordered(id_a: int, id_b: int) -> tuple[int, int]:
    return (id_a, id_b) if id_a < id_b else (id_b, id_a)


# --- Duplicate invoices ---------------------------------------------------------------------------------

INVOICE_COLUMNS = ["id", "external_id", "customer_id", "amount", "currency", "issue_date", "po_number"]


def _invoices_worth_pairing() -> QuerySet[Invoice]:
    """Invoices proper (a fee or interest charge repeats amounts by design), not void (cancelled already)."""
    return Invoice.objects.filter(document_type=Invoice.DocumentType.INVOICE).exclude(status=Invoice.Status.VOID)


def duplicate_invoices(invoice_ids: Iterable[int]) -> list[Finding]:
    days = settings.DUPLICATE_INVOICE_DAYS
    found: dict[str, Finding] = {}
    for chunk in chunked(invoice_ids):
        new = _frame(list(_invoices_worth_pairing().filter(pk__in=chunk).values(*INVOICE_COLUMNS)), INVOICE_COLUMNS)
        if new.empty:
            continue
        book = _frame(list(_invoices_worth_pairing().filter(
            customer_id__in=set(new["customer_id"]), amount__in=set(new["amount"])).values(*INVOICE_COLUMNS)),
            INVOICE_COLUMNS)
        for frame in (new, book):
            frame["number"] = frame["external_id"].map(number_key)
            frame["digits"] = frame["external_id"].map(digits_of)
            frame["po"] = frame["po_number"].str.strip().str.upper()
        pairs = _pairs(new, book)
        apart = (pd.to_datetime(pairs["issue_date_a"]) - pd.to_datetime(pairs["issue_date_b"])).dt.days.abs()
        pairs = pairs.assign(apart=apart)
        maybe = pairs[(pairs["apart"] <= days) | ((pairs["po_a"] != "") & (pairs["po_a"] == pairs["po_b"]))
                      | (pairs["number_a"] == pairs["number_b"])
                      | ((pairs["digits_a"] != "") & (pairs["digits_a"] == pairs["digits_b"]))]
        for pair in maybe.to_dict("records"):
            finding = _invoice_finding(pair, days)
            if finding is not None:
                found.setdefault(finding.key, finding)
    return list(found.values())


def _invoice_finding(pair: dict[Hashable, Any], days: int) -> Finding | None:
    reasons, confidence = [], 0
    if pair["number_a"] == pair["number_b"]:
        reasons.append("the same number written differently")
        confidence = max(confidence, 95)
    elif pair["digits_a"] == pair["digits_b"] and fuzz.ratio(pair["number_a"], pair["number_b"]) >= NEAR_NUMBER_RATIO:
        reasons.append("near-identical numbers")
        confidence = max(confidence, 85)
    if pair["po_a"] and pair["po_a"] == pair["po_b"]:
        reasons.append(f"same PO {pair['po_number_a'].strip()}")
        confidence = max(confidence, 80)
    apart = int(pair["apart"])
    if apart <= days:
        reasons.append("issued the same day" if apart == 0 else f"{apart} day{'s' if apart != 1 else ''} apart")
        confidence = max(confidence, 70 - 2 * apart)
    if not reasons:
        return None
    confidence = min(99, confidence + 5 * (len(reasons) - 1))
    # The suspect is the later one (by issue date, then by the order it reached the ledger).
    a = (pair["issue_date_a"], pair["id_a"], pair["external_id_a"])
    b = (pair["issue_date_b"], pair["id_b"], pair["external_id_b"])
    first, later = sorted((a, b))
    low, high = _ordered(pair["id_a"], pair["id_b"])
    detail = (f"{first[2]} and {later[2]}: same customer, same amount {money(pair['amount'])} "
              f"{pair['currency']}, {', '.join(reasons)}")
    return Finding(kind=Kind.DUPLICATE_INVOICE, key=f"duplicate_invoice:{low}:{high}",
                   customer_id=int(pair["customer_id"]), detail=detail[:300], confidence=confidence,
                   invoice_id=int(later[1]), other_invoice_id=int(first[1]))


# --- Payments recorded twice ----------------------------------------------------------------------------

PAYMENT_COLUMNS = ["id", "external_id", "customer_id", "amount", "currency", "received_date", "reference"]


def duplicate_payments(payment_ids: Iterable[int]) -> list[Finding]:
    found: dict[str, Finding] = {}
    posted = Payment.objects.filter(status=Payment.Status.POSTED)
    for chunk in chunked(payment_ids):
        new = _frame(list(posted.filter(pk__in=chunk).values(*PAYMENT_COLUMNS)), PAYMENT_COLUMNS)
        if new.empty:
            continue
        book = _frame(list(posted.filter(customer_id__in=set(new["customer_id"]), amount__in=set(new["amount"]))
                           .values(*PAYMENT_COLUMNS)), PAYMENT_COLUMNS)
        for frame in (new, book):
            frame["ref"] = frame["reference"].str.strip().str.upper()
        pairs = _pairs(new, book)
        same_day = pairs["received_date_a"] == pairs["received_date_b"]
        same_ref = (pairs["ref_a"] != "") & (pairs["ref_a"] == pairs["ref_b"])
        for pair, day, ref in zip(pairs.to_dict("records"), same_day, same_ref, strict=True):
            if not (day or ref):
                continue
            reasons = (["received the same day"] if day else []) + ([f"same reference {pair['ref_a']}"]
                                                                  if ref else [])
            low, high = _ordered(pair["id_a"], pair["id_b"])
            first, later = sorted(((pair["received_date_a"], pair["id_a"], pair["external_id_a"]),
                                   (pair["received_date_b"], pair["id_b"], pair["external_id_b"])))
            detail = (f"{first[2]} and {later[2]}: same customer, same amount {money(pair['amount'])} "
                      f"{pair['currency']}, {', '.join(reasons)}")
            finding = Finding(kind=Kind.DUPLICATE_PAYMENT, key=f"duplicate_payment:{low}:{high}",
                              customer_id=int(pair["customer_id"]), detail=detail[:300],
                              confidence=95 if day and ref else (85 if ref else 70),
                              payment_id=int(later[1]), other_payment_id=int(first[1]))
            found.setdefault(finding.key, finding)
    return list(found.values())


# --- Credit notes larger than their invoice -------------------------------------------------------------

REFERENCE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?")


def credits_exceeding_invoices(credit_note_ids: Iterable[int]) -> list[Finding]:
    found: dict[str, Finding] = {}
    for chunk in chunked(credit_note_ids):
        notes = list(CreditNote.objects.filter(pk__in=chunk).values(
            "id", "external_id", "customer_id", "amount", "currency", "reason"))
        links = _credit_links(chunk, notes)
        invoices = Invoice.objects.in_bulk({invoice_id for _, invoice_id in links})
        by_id = {note["id"]: note for note in notes}
        for (note_id, invoice_id), how in links.items():
            credit = by_id.get(note_id)
            invoice = invoices.get(invoice_id)
            if credit is None or invoice is None or credit["currency"] != invoice.currency:
                continue
            if credit["amount"] <= invoice.amount:
                continue
            detail = (f"Credit note {credit['external_id']} ({money(credit['amount'])} {credit['currency']}) {how} "
                      f"invoice {invoice.external_id} of only {money(invoice.amount)}: "
                      f"{money(credit['amount'] - invoice.amount)} more than the invoice")
            finding = Finding(kind=Kind.CREDIT_EXCEEDS_INVOICE, key=f"credit_exceeds_invoice:{note_id}:{invoice_id}",
                              customer_id=invoice.customer_id, detail=detail[:300],
                              confidence=90 if how == "applied to" else 75, invoice_id=invoice_id,
                              credit_note_id=note_id)
            found.setdefault(finding.key, finding)
    return list(found.values())


def _credit_links(chunk: list[int], notes: Sequence[Mapping[str, Any]]) -> dict[tuple[int, int], str]:
    """(credit note, invoice) → how they are linked: "applied to" (an application of the credit on the
    invoice) or "names" (the credit's reason quotes the number of one of the customer's invoices)."""
    applied = Application.objects.filter(credit_note_id__in=chunk, amount__gt=0).values(
        "credit_note_id", "invoice_id").distinct()
    links = {(row["credit_note_id"], row["invoice_id"]): "applied to" for row in applied}
    named = {note["id"]: set(REFERENCE.findall(note["reason"])) for note in notes if note["reason"]}
    if not named:
        return links
    by_number = {(row["customer_id"], row["external_id"]): row["id"] for row in Invoice.objects.filter(
        customer_id__in={note["customer_id"] for note in notes if note["id"] in named},
        external_id__in=set().union(*named.values()),
    ).values("id", "customer_id", "external_id")}
    for note in notes:
        for token in named.get(note["id"], ()):
            if (invoice_id := by_number.get((note["customer_id"], token))) is not None:
                links.setdefault((note["id"], invoice_id), "names")
    return links


# --- Due dates that do not follow the terms -------------------------------------------------------------

TERMS_COLUMNS = ["id", "external_id", "customer_id", "issue_date", "due_date", "customer__payment_terms_days"]


def terms_mismatches(invoice_ids: Iterable[int]) -> list[Finding]:
    tolerance = settings.DUE_DATE_TERMS_TOLERANCE_DAYS
    found = []
    for chunk in chunked(invoice_ids):
        rows = _frame(list(_invoices_worth_pairing().filter(pk__in=chunk).values(*TERMS_COLUMNS)), TERMS_COLUMNS)
        if rows.empty:
            continue
        given = (pd.to_datetime(rows["due_date"]) - pd.to_datetime(rows["issue_date"])).dt.days
        off = given - rows["customer__payment_terms_days"]
        for row, days, gap in zip(rows.to_dict("records"), given, off, strict=True):
            if abs(gap) <= tolerance:
                continue
            terms = row["customer__payment_terms_days"]
            detail = (f"{row['external_id']}: due {row['due_date']:%Y-%m-%d}, {days} days after it was issued; the "
                      f"customer's terms are {terms} days ({abs(gap)} days {'more' if gap > 0 else 'less'})")
            found.append(Finding(kind=Kind.TERMS_MISMATCH, key=f"terms_mismatch:{row['id']}",
                                 customer_id=int(row["customer_id"]), detail=detail[:300],
                                 confidence=min(95, 50 + int(abs(gap))), invoice_id=int(row["id"])))
    return found
