"""The part of the open book a run of receipts can reach, read from the database in a few queries
per run, whatever the statement's length and the book's size.

What the engine (`cashapp.matching.engine`) looks at for a receipt: the invoices its references
name (by number as written, by digits, two digits swapped, by PO: the keys each invoice keeps,
`Invoice.number_key`, `number_even_pairs`, `number_odd_pairs` and `po_key`, indexed), the open
invoices of exactly its amount anywhere in the book, and every open invoice of the account families
those invoices and its payer (a learned account, a name) belong to. Only those invoices are read,
so the proposals are exactly those of an index over the whole open book
(`tests/cashapp/test_load.py` compares the two), in a few queries: the customers (name, family),
the learned payer accounts the receipts name, the invoices the references and amounts reach, the
families' open invoices, the FX rates of the currencies involved, and any open invoice no writer
keyed (normally none).
"""

import hashlib
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from rapidfuzz.distance import OSA

from cashapp.matching.book import Book, Rates
from cashapp.matching.facts import MatchRules, OpenInvoice, Payer, Receipt
from cashapp.matching.payers import PayerIndex, PayerNames
from cashapp.matching.references import MIN_DIGITS, Reference, ReferenceIndex, references_in, transpositions
from cashapp.models import PayerAccount
from ledger.models import UNKEYED, Customer, FxRate, Invoice
from ledger.numbers import number_key, pairs_sorted, po_key

BATCH = 900  # values per IN (): within SQLite's oldest variable limit
FIELDS = ("id", "external_id", "customer_id", "open_amount", "currency", "due_date", "po_number")


def rules_from_settings() -> MatchRules:
    tolerance = settings.CASH_SHORT_PAY_TOLERANCE
    return MatchRules(
        auto_apply=Decimal(settings.CASH_AUTO_APPLY_CONFIDENCE),
        short_pay_percent=Decimal(tolerance["percent"]),
        short_pay_base=Decimal(tolerance["base_amount"]),
        write_off_base=Decimal(settings.CASH_DEDUCTION_WRITE_OFF_MAX),
        combination_max=int(settings.CASH_COMBINATION_MAX_INVOICES),
        base_currency=settings.BASE_CURRENCY,
    )


def open_invoices(*extra: str) -> QuerySet:
    """Open invoices with something left to pay, as the matching reads them (`FIELDS`, then `extra`)."""
    return Invoice.objects.filter(status=Invoice.Status.OPEN, open_amount__gt=0).order_by().values_list(
        *FIELDS, *extra)


def invoices_of(rows: Iterable[tuple]) -> list[OpenInvoice]:
    """`open_invoices` rows as the engine's values, in id order (the order the engine sees them)."""
    return [OpenInvoice(id=i, number=n, customer_id=c, open_amount=a, currency=cur, due_date=d, po_number=po)
            for i, n, c, a, cur, d, po in sorted(rows)]


def _open_where(wanted: dict[str, set], extra: tuple[str, ...] = ()) -> Iterable[tuple]:
    """`open_invoices(*extra)` rows whose field is one of its values, for any of `wanted`'s fields
    (field → values). PostgreSQL takes each field's values as one array, in one query (`= ANY(%s)
    OR …`): an IN () of thousands of values costs Django more to build than the query costs to run.
    SQLite a few hundred values per query (IN () … OR IN ()); a row may then come more than once."""
    given = {field: sorted(values) for field, values in wanted.items() if values}
    if not given:
        return
    if connection.vendor == "postgresql":
        columns = {f.attname: f.column for f in Invoice._meta.concrete_fields}
        table = connection.ops.quote_name(Invoice._meta.db_table)
        where = " OR ".join(f"{table}.{connection.ops.quote_name(columns[field])} = ANY(%s)" for field in given)
        yield from open_invoices(*extra).extra(where=[f"({where})"], params=list(given.values()))
        return
    pairs = [(field, value) for field, values in given.items() for value in values]
    for start in range(0, len(pairs), BATCH):
        by_field: dict[str, list] = defaultdict(list)
        for field, value in pairs[start:start + BATCH]:
            by_field[field].append(value)
        yield from open_invoices(*extra).filter(
            reduce(operator.or_, (Q(**{f"{field}__in": values}) for field, values in by_field.items())))


def number_keys(references: Iterable[Reference]) -> set[str]:
    """Every `Invoice.number_key` a reference can reach: its digits (which an exact number implies),
    and those digits with two neighbours swapped (a transposition, `ReferenceIndex.lookup`)."""
    keys = set()
    for ref in references:
        keys.add(ref.digits)
        if len(ref.digits) >= MIN_DIGITS:
            keys.update(transpositions(ref.digits))
    return keys


def _reached(references: list[Reference], receipts: Sequence[Receipt]) -> dict[int, tuple]:
    """The open invoices the references (by number or PO) and the amounts reach, and those no writer keyed.

    By number, in one query: a number key that is a reference's digits, or those digits with two
    neighbours swapped, found by the reference's two pair keys (a swap keeps one of them,
    `ledger.numbers`) instead of one key per transposition (17,000 keys for the bench's 2,000
    lines, 3,000 digits and 6,000 pair keys now); the other numbers that share a pair key are left
    out. POs and amounts in a query each: in the same one, PostgreSQL scans every open invoice."""
    numbers = number_keys(references)
    swappable = {ref.digits for ref in references if len(ref.digits) >= MIN_DIGITS}
    wanted = {"number_key": {ref.digits for ref in references if ref.digits},
              "number_even_pairs": {pairs_sorted(digits, 0) for digits in swappable},
              "number_odd_pairs": {pairs_sorted(digits, 1) for digits in swappable}}
    found: dict[int, tuple] = {}
    for *row, key in _open_where(wanted, extra=("number_key",)):
        if key in numbers:
            found[row[0]] = tuple(row)
    pos = {ref.compact for ref in references if len(ref.compact) >= 4}
    found.update((row[0], row) for row in _open_where({"po_key": pos}))
    pairs = {(r.currency, r.amount) for r in receipts}
    found.update((row[0], row) for row in _open_where({"open_amount": {amount for _, amount in pairs}})
                 if (row[4], row[3]) in pairs)
    # Keyed here, as they are read (a digitless number has no key either: it can only be named exactly).
    found.update((row[0], row) for row in open_invoices().filter(UNKEYED)
                 if number_key(row[1]) in numbers or po_key(row[6]) in pos)
    return found


def book_load(receipts: Sequence[Receipt], rules: MatchRules | None = None) -> Book:
    """Everything matching `receipts` needs: the whole customer list (payer names), and only the
    open invoices the receipts can reach (module docstring)."""
    rules = rules or rules_from_settings()
    payers = PayerIndex(payer_names(), _accounts(receipts))
    payers.names_match(r.counterparty_name for r in receipts)
    texts = [references_in(r.texts) for r in receipts]
    references = [ref for refs in texts for ref in refs]
    found = _reached(references, receipts)
    index = ReferenceIndex(invoices_of(found.values()), references)  # every number a reference reaches
    customers = {c for head in _heads(receipts, texts, found, index, payers) for c in payers.family_of(head)}
    found.update((row[0], row) for row in _open_where({"customer_id": customers}))
    invoices = invoices_of(found.values())
    index.digits_add(invoices)
    currencies = {r.currency for r in receipts} | {i.currency for i in invoices}
    rates = rates_load(currencies, rules.base_currency)
    return Book(invoices=invoices, payers=payers, accounts=payers.accounts, rates=rates, rules=rules,
                references=references, index=index)


def _heads(receipts: Sequence[Receipt], texts: list[list[Reference]], found: dict[int, tuple],
           named: ReferenceIndex, payers: PayerIndex) -> set[int]:
    """The account families whose open invoices the engine may look at (`engine.receipt_match`):
    the payer's; those of the invoices the references name; and those of the invoices of exactly
    the amount when nothing else points anywhere, or when a reference is one digit off theirs."""
    reached = invoices_of(found.values())
    by_amount: dict[tuple[str, Decimal], list[OpenInvoice]] = defaultdict(list)
    for invoice in reached:
        by_amount[(invoice.currency, invoice.open_amount)].append(invoice)
    heads: set[int] = set()
    for receipt, refs in zip(receipts, texts, strict=True):
        identities = payers.identify(receipt.counterparty_account, receipt.counterparty_name)
        hits = named.lookup(refs)
        heads.update(payers.head_of(i.customer_id) for i in identities)
        heads.update(payers.head_of(found[h.invoice_id][2]) for h in hits)
        unread = [r.digits for r in refs if len(r.digits) >= MIN_DIGITS and all(h.written != r.written for h in hits)]
        for invoice in by_amount.get((receipt.currency, receipt.amount), ()):
            if (not identities and not hits) or any(
                    OSA.distance(digits, named.digits_of[invoice.id]) <= 1 for digits in unread):
                heads.add(payers.head_of(invoice.customer_id))
    return heads


_KEPT: dict[str, tuple[str, PayerNames]] = {}  # database → (the customers' fingerprint, their names keyed)
# What the names are built from, as one text per customer; its digest is the customers' fingerprint.
_DIGEST = "md5(string_agg(id || ':' || coalesce(family_top_id, 0) || ':' || name, chr(10) ORDER BY id))"


def _customers_read(kept: str | None) -> tuple[str, list[tuple] | None]:
    """The customers' fingerprint (a digest of every id, name and family top: it changes with any
    rename, new or deleted customer or move between families, whoever wrote it, a save, the ERP
    import's COPY or an UPDATE that set no `updated_at`) and, when it is not `kept`, their (id,
    name, family top) rows. One query: on PostgreSQL the rows are joined to the digest only when it
    differs; elsewhere (SQLite, small books) they are read and digested here."""
    if connection.vendor != "postgresql":
        rows = list(Customer.objects.order_by().values_list("id", "name", "family_top_id"))
        digest = hashlib.md5(repr(rows).encode()).hexdigest()
        return digest, None if digest == kept else rows
    qn = connection.ops.quote_name
    table = qn(Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT f.digest, c.id, c.name, c.family_top_id FROM (SELECT {_DIGEST} AS digest "
                       f"FROM {table}) AS f LEFT JOIN {table} AS c ON f.digest IS DISTINCT FROM %s", [kept])
        found = cursor.fetchall()
    digest = found[0][0] or ""
    return digest, None if digest == kept else [row[1:] for row in found if row[1] is not None]


def payer_names() -> PayerNames:
    """Every customer's name keyed (`PayerNames`), kept between the runs of a process while the
    customers are as they were (`_customers_read`): keying 20,000 names costs 0.2 s a run."""
    alias = connection.settings_dict["NAME"]
    kept = _KEPT.get(alias)
    fingerprint, rows = _customers_read(kept[0] if kept else None)
    if rows is None and kept is not None:
        return kept[1]
    names = PayerNames([Payer(id=i, name=n, family_head_id=p or i) for i, n, p in rows or ()])
    _KEPT[alias] = (fingerprint, names)
    return names


def _accounts(receipts: Sequence[Receipt]) -> dict[str, int]:
    """The learned payer accounts among those the receipts come from."""
    named = sorted({r.counterparty_account for r in receipts if r.counterparty_account})
    accounts: dict[str, int] = {}
    for start in range(0, len(named), BATCH):
        accounts.update(PayerAccount.objects.filter(counterparty_account__in=named[start:start + BATCH])
                        .values_list("counterparty_account", "customer_id"))
    return accounts


def rates_load(currencies: set[str], base_currency: str) -> Rates:
    """Every FX rate of `currencies` (the table holds a rate a day per currency at most)."""
    rates: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    wanted = sorted(currencies - {base_currency})
    if wanted:
        rows = FxRate.objects.filter(currency__in=wanted).values_list("currency", "rate_date", "rate")
        for currency, day, rate in rows:
            rates[currency].append((day, rate))
    return Rates(rates, base_currency)
