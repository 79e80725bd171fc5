"""Invoice and PO numbers in what the payer wrote, with the usual typos forgiven.

Payers rarely copy an invoice number exactly: they drop the prefix and leading zeros ("12345" for
INV0012345), put spaces or dashes in ("INV 0012 345"), type the letter O for a zero, swap two
digits ("INV0012354"), or hit one wrong key. Each invoice number is indexed once per run by its
digits (leading zeros dropped, `ledger.numbers`), and by the sorted digits, which an adjacent
transposition keeps: both are dictionary look-ups against the whole open book (whose invoices
those keys reach are read by their stored keys, `cashapp.matching.load`). A wrong, missing or
extra digit cannot be looked up that way; it is searched (rapidfuzz, edit distance 1) among the
open invoices of the customers the receipt already points to, never the whole book.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from cashapp.matching.facts import OpenInvoice
from ledger.numbers import compact, digits_of_compact, number_key

# A run of letters and digits, digit groups joined across single spaces, dashes, slashes or dots
# ("INV 0012-345"). The letter O counts as a digit inside a run of digits.
TOKEN = re.compile(r"[A-Z0-9](?:[A-Z0-9]|[ \-/.](?=[0-9O]{2}))*")
RF_REFERENCE = re.compile(r"^RF\d{2}([A-Z0-9]{1,21})$")
# Shorter digit runs are dates, quantities and amounts far more often than invoice numbers.
MIN_DIGITS = 5
JOIN = 4  # pieces of a run joined at most ("INV 0012 345" is three)
SEPARATOR = re.compile(r"[ \-/.]")


class Hit:
    """How an invoice number was found; the points say how sure a reference makes us."""

    EXACT = "exact"  # the number as issued (spacing and case aside)
    DIGITS = "digits"  # its digits, prefix or leading zeros dropped, O read as 0
    TRANSPOSED = "transposed"  # two adjacent digits swapped
    TYPO = "typo"  # one digit wrong, missing or extra
    PO = "po"  # the invoice's PO number

    POINTS = {EXACT: 55, DIGITS: 50, TRANSPOSED: 40, TYPO: 35, PO: 40}


@dataclass(frozen=True)
class Reference:
    """A token from the text: as written, its letters and digits, and its digits."""

    written: str
    compact: str
    digits: str
    where: str


@dataclass(frozen=True)
class RefHit:
    invoice_id: int
    how: str
    written: str
    where: str

    @property
    def points(self) -> int:
        return Hit.POINTS[self.how]


def digits_key(number: str) -> str:
    """The digits that identify a number (`ledger.numbers.number_key`)."""
    return number_key(number)


def transpositions(digits: str) -> list[str]:
    """`digits` with two neighbours swapped, at each place: what a transposed reference can be."""
    return [digits[:k] + digits[k + 1] + digits[k] + digits[k + 2:] for k in range(len(digits) - 1)]


def _pieces(run: str) -> list[str]:
    """A run split at its separators, and its neighbouring pieces joined (up to JOIN of them): "INV
    0012 345" gives INV0012345 and 0012345; "INV0012345 600.00" keeps INV0012345 apart from the amount."""
    parts = [p for p in SEPARATOR.split(run) if p]
    found = []
    for start in range(len(parts)):
        for end in range(start + 1, min(len(parts), start + JOIN) + 1):
            found.append("".join(parts[start:end]))
    return found


def references_in(texts: Iterable[tuple[str, str]]) -> list[Reference]:
    """Every token that could be an invoice or PO number, once, with where it was read."""
    texts = tuple(texts)
    return list(_references_read(texts))


@lru_cache(maxsize=8192)  # a run reads each receipt's texts twice: to load the book, then to match
def _references_read(texts: tuple[tuple[str, str], ...]) -> tuple[Reference, ...]:
    found: dict[str, Reference] = {}
    for where, text in texts:
        upper = (text or "").upper()
        for match in TOKEN.finditer(upper):
            for written in _pieces(match.group(0)):
                token = compact(written)
                rf = RF_REFERENCE.match(token)
                if rf:  # an RF creditor reference: the payee's own reference follows the check digits
                    token = rf.group(1)
                if token and token not in found:
                    found[token] = Reference(written=written, compact=token, digits=digits_of_compact(token),
                                             where=where)
    return tuple(found.values())


class ReferenceIndex:
    """The open book's invoice and PO numbers, indexed once per run.

    `wanted`: the references the run will look up (every one its receipts' texts hold,
    `references_in`). Then only the numbers those references can reach are indexed: as written, by
    PO, by digits and by sorted digits (those two neighbouring digits swapped away from a
    reference's: `lookup` takes only those of the sorted ones), the keys `lookup` asks, so it finds
    exactly what a whole-book index finds, without a list per invoice of the book. None indexes
    every number."""

    def __init__(self, invoices: Iterable[OpenInvoice], wanted: Iterable[Reference] | None = None):
        self.by_compact: dict[str, list[int]] = defaultdict(list)
        self.by_digits: dict[str, list[int]] = defaultdict(list)
        self.by_sorted: dict[str, list[int]] = defaultdict(list)
        self.by_po: dict[str, list[int]] = defaultdict(list)
        self.digits_of: dict[int, str] = {}  # every invoice's: `near` compares them with a typo
        every = wanted is None
        refs = list(wanted or ())
        compacts = {r.compact for r in refs}
        digits = {r.digits for r in refs if len(r.digits) >= MIN_DIGITS}
        swapped = {t for d in digits for t in transpositions(d)}
        # One loop, its look-ups bound once: it runs over every open invoice of the book on each
        # import (100,000 on the large book).
        by_compact, by_digits, by_sorted, by_po, digits_of = (
            self.by_compact, self.by_digits, self.by_sorted, self.by_po, self.digits_of)
        for invoice in invoices:
            number = invoice.number
            number = number.upper() if number.isascii() and number.isalnum() else compact(number)
            key = digits_of_compact(number)
            digits_of[invoice.id] = key
            if every or number in compacts:
                by_compact[number].append(invoice.id)
            if len(key) >= MIN_DIGITS:
                if every or key in digits:
                    by_digits[key].append(invoice.id)
                if every or key in swapped:  # sorted only when it can be asked for
                    by_sorted["".join(sorted(key))].append(invoice.id)
            if invoice.po_number:
                po = compact(invoice.po_number)
                if len(po) >= 4 and (every or po in compacts):
                    by_po[po].append(invoice.id)

    def digits_add(self, invoices: Iterable[OpenInvoice]) -> None:
        """More invoices that no wanted reference reaches by number or PO (their family's: the
        one-digit-off search compares their digits)."""
        digits_of = self.digits_of
        for invoice in invoices:
            if invoice.id not in digits_of:
                number = invoice.number
                number = number.upper() if number.isascii() and number.isalnum() else compact(number)
                digits_of[invoice.id] = digits_of_compact(number)

    def lookup(self, references: list[Reference]) -> list[RefHit]:
        """Hits that need no candidate customer: exact, by digits, transposed, by PO."""
        hits: list[RefHit] = []
        for ref in references:
            if ref.compact in self.by_compact:
                hits += [RefHit(i, Hit.EXACT, ref.written, ref.where) for i in self.by_compact[ref.compact]]
                continue
            if ref.compact in self.by_po:
                hits += [RefHit(i, Hit.PO, ref.written, ref.where) for i in self.by_po[ref.compact]]
            if len(ref.digits) < MIN_DIGITS:
                continue
            if ref.digits in self.by_digits:
                hits += [RefHit(i, Hit.DIGITS, ref.written, ref.where) for i in self.by_digits[ref.digits]]
                continue
            for invoice_id in self.by_sorted.get("".join(sorted(ref.digits)), ()):
                if OSA.distance(ref.digits, self.digits_of[invoice_id]) == 1:
                    hits.append(RefHit(invoice_id, Hit.TRANSPOSED, ref.written, ref.where))
        return hits

    def near(self, references: list[Reference], invoice_ids: Iterable[int], known: set[int]) -> list[RefHit]:
        """One wrong, missing or extra digit, searched only among `invoice_ids` (the open invoices of
        the customers the receipt points to); tokens that already hit something are left alone."""
        choices = {i: self.digits_of[i] for i in invoice_ids
                   if i not in known and len(self.digits_of.get(i, "")) >= MIN_DIGITS}
        if not choices:
            return []
        hits = []
        for ref in references:
            if len(ref.digits) < MIN_DIGITS:
                continue
            best = process.extractOne(ref.digits, choices, scorer=OSA.distance, score_cutoff=1)
            if best is not None:
                hits.append(RefHit(best[2], Hit.TYPO, ref.written, ref.where))
        return hits
