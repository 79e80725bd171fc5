"""One receipt against the open book: ranked proposals, each with a confidence 0–100 and reasons.

Evidence adds up, per account family the receipt points to (by its payer or by the invoices it
names):
- the invoices named (`references`): as issued 55, by their digits 50, a PO number 40, two digits
  swapped 40, one digit off 35 — the weakest of the invoices taken counts;
- the amount (`amounts`): equal to the invoices named 35, short within tolerance 20 (the shortfall
  becomes a proposed deduction), more than them 10 (the rest stays unapplied); with no invoice
  named, one open invoice of exactly that amount 55 (several: 35, the oldest), a single
  combination 55 (several: 30), the account's whole open total 55; far short of the invoices
  named −15 (a partial payment is for a person to look at), more than them where the rest fits
  several other invoices −20;
- the payer (`payers`): a learned account 35, the name 18–35.
With neither a named invoice nor a known payer, a receipt can at most be suggested (capped below
the automatic threshold). Two different proposals within `CLOSE` points of each other make the
best one a suggestion too: an automatic match has to be beyond doubt.
"""

from decimal import Decimal

from cashapp.matching import amounts
from cashapp.matching.book import Book
from cashapp.matching.facts import Deduction, OpenInvoice, Proposal, Receipt
from cashapp.matching.payers import Identity
from cashapp.matching.references import Hit, Reference, RefHit, references_in

CLOSE = 15
AMOUNT_EQUAL, AMOUNT_SHORT, AMOUNT_OVER, AMOUNT_SUBSET, AMOUNT_TOPPED_UP = 35, 20, 10, 30, 25
TOPPED_UP_GUESS = -20  # the rest fits several other invoices: a person picks
PARTIAL = -15  # far short of what it names: a person looks (a dispute is often behind it)
ONE_INVOICE, SEVERAL_INVOICES, ONE_COMBINATION, SEVERAL_COMBINATIONS, ACCOUNT_TOTAL = 55, 35, 55, 30, 55
UNKNOWN_PAYER_CAP = 60  # amount alone, nobody named: a suggestion, never automatic
BOOK_WIDE_AMOUNT_MAX = 3  # more invoices of that amount across the book say nothing


def receipt_match(receipt: Receipt, book: Book) -> list[Proposal]:
    """Every proposal worth showing, best first; empty when nothing points anywhere."""
    refs = references_in(receipt.texts)
    identities = book.payers.identify(receipt.counterparty_account, receipt.counterparty_name)
    hits = book.references.lookup(refs)
    families: dict[int, list[Identity]] = {}
    for identity in identities:
        families.setdefault(book.payers.head_of(identity.customer_id), []).append(identity)
    same_amount = book.with_amount(receipt.currency, receipt.amount)
    hits += _typos(refs, hits, families, same_amount, book)
    for hit in hits:
        families.setdefault(book.payers.head_of(book.invoices[hit.invoice_id].customer_id), [])
    if not families and 0 < len(same_amount) <= BOOK_WIDE_AMOUNT_MAX:
        for invoice in same_amount:
            families.setdefault(book.payers.head_of(invoice.customer_id), [])
    proposals = []
    for head, known in families.items():
        proposal = _family_proposal(receipt, head, known, [h for h in hits if _in_family(h, head, book)], book)
        if proposal is not None:
            proposals.append(proposal)
    return _paid_named(_ranked(proposals, book), hits, book)


def _paid_named(proposals: list[Proposal], hits: list[RefHit], book: Book) -> list[Proposal]:
    """A receipt naming an invoice another receipt of the run already paid is for a person to look
    at (paid twice? the earlier match wrong?), whatever else fits."""
    paid = sorted({book.invoices[h.invoice_id].number for h in hits if book.invoices[h.invoice_id].open_amount <= 0})
    if paid and proposals:
        best = proposals[0]
        best.confidence = min(best.confidence, int(book.rules.auto_apply) - 1)
        best.reasons.append(f"{', '.join(paid)} named but already paid")
    return proposals


def _in_family(hit: RefHit, head: int, book: Book) -> bool:
    return book.payers.head_of(book.invoices[hit.invoice_id].customer_id) == head


def _typos(refs: list[Reference], hits: list[RefHit], families: dict[int, list[Identity]],
           same_amount: list[OpenInvoice], book: Book) -> list[RefHit]:
    """One digit off, among the invoices of the payer's family and those of exactly the amount."""
    unread = [r for r in refs if not any(h.written == r.written for h in hits)]
    if not unread:
        return []
    nearby = {i.id for head in families for i in book.family_invoices(head)} | {i.id for i in same_amount}
    return book.references.near(unread, nearby, {h.invoice_id for h in hits})


def _family_proposal(receipt: Receipt, head: int, known: list[Identity], hits: list[RefHit],
                     book: Book) -> Proposal | None:
    invoices = book.family_invoices(head)
    currency = _currency(receipt, invoices, hits, book)
    amount = book.convert(receipt.amount, receipt.currency, currency, receipt.value_date)
    payer = _payer(known, hits, head, book)
    if amount is None:
        return None
    reasons = []
    if currency != receipt.currency:
        reasons.append(f"{receipt.amount:,.2f} {receipt.currency} is {amount:,.2f} {currency} "
                       f"on {receipt.value_date:%Y-%m-%d}")
    pool = [i for i in invoices if i.currency == currency]
    named = _named(hits, currency, book)
    if named:
        points, allocations, deduction, why = _pay_named(named, pool, amount, book)
        points += min(_hit_points(hits, named))
        reasons += [_hit_reason(h, book) for h in _best_hits(hits, named)] + why
    else:
        points, allocations, why = _pay_by_amount(pool, amount, book)
        deduction = None
        reasons += why
    identity = max((i for i in known), key=lambda i: i.points, default=None)
    if identity is not None:
        points += identity.points
        reasons.insert(0, identity.reason)
    elif not named:
        points = min(points, UNKNOWN_PAYER_CAP)
    if not allocations and identity is None:
        return None
    families_customers = {book.invoices[i].customer_id for i, _ in allocations}
    if families_customers - {payer}:
        reasons.append("invoices of the same account family")
    return Proposal(customer_id=payer, currency=currency, amount=amount, allocations=allocations,
                    confidence=min(100, points), reasons=reasons, deduction=deduction)


def _currency(receipt: Receipt, invoices: list[OpenInvoice], hits: list[RefHit], book: Book) -> str:
    """The invoices named decide; else the receipt's own currency if the family owes in it; else
    the currency it owes most invoices in (the receipt is converted)."""
    if hits:
        return book.invoices[hits[0].invoice_id].currency
    currencies = [i.currency for i in invoices]
    if not currencies or receipt.currency in currencies:
        return receipt.currency
    return max(sorted(set(currencies)), key=currencies.count)


def _payer(known: list[Identity], hits: list[RefHit], head: int, book: Book) -> int:
    """Post to the customer the payer is, else to the one whose invoices were named, else the head."""
    if known:
        return max(known, key=lambda i: i.points).customer_id
    owners = {book.invoices[h.invoice_id].customer_id for h in hits}
    return owners.pop() if len(owners) == 1 else head


def _named(hits: list[RefHit], currency: str, book: Book) -> list[OpenInvoice]:
    ids = dict.fromkeys(h.invoice_id for h in hits)
    found = [book.invoices[i] for i in ids
             if book.invoices[i].currency == currency and book.invoices[i].open_amount > 0]
    return sorted(found, key=lambda i: (i.due_date, i.id))


def _best_hits(hits: list[RefHit], named: list[OpenInvoice]) -> list[RefHit]:
    best: dict[int, RefHit] = {}
    for hit in hits:
        if hit.invoice_id in {i.id for i in named}:
            if hit.invoice_id not in best or hit.points > best[hit.invoice_id].points:
                best[hit.invoice_id] = hit
    return [best[i.id] for i in named if i.id in best]


def _hit_points(hits: list[RefHit], named: list[OpenInvoice]) -> list[int]:
    return [h.points for h in _best_hits(hits, named)] or [0]


def _hit_reason(hit: RefHit, book: Book) -> str:
    number = book.invoices[hit.invoice_id].number
    where = f"in the {hit.where}"
    return {
        Hit.EXACT: f"{number} {where}",
        Hit.DIGITS: f"{hit.written} {where}: {number} without its prefix or zeros",
        Hit.TRANSPOSED: f"{hit.written} {where}: {number} with two digits swapped",
        Hit.TYPO: f"{hit.written} {where}: {number} with one digit off",
        Hit.PO: f"PO {hit.written} {where}: {number}'s",
    }[hit.how]


def _pay_named(named: list[OpenInvoice], pool: list[OpenInvoice], amount: Decimal, book: Book
               ) -> tuple[int, list[tuple[int, Decimal]], Deduction | None, list[str]]:
    """The invoices named, and what the amount says about them."""
    total = sum((i.open_amount for i in named), Decimal("0.00"))
    rules = book.rules
    if amount == total:
        return AMOUNT_EQUAL, amounts.fill(named, amount), None, ["amount equal"]
    if amount > total:
        extra = amount - total
        topped = _top_up([i for i in pool if i not in named], extra, rules.combination_max - len(named))
        if topped is not None:
            invoices, unique = topped
            numbers = ", ".join(i.number for i in invoices)
            if unique:
                return (AMOUNT_TOPPED_UP, amounts.fill([*named, *invoices], amount), None,
                        [f"the rest ({extra:,.2f}) pays {numbers} exactly"])
            return (TOPPED_UP_GUESS, amounts.fill([*named, *invoices], amount), None,
                    [f"the rest ({extra:,.2f}) may pay {numbers} (other invoices fit too)"])
        return AMOUNT_OVER, amounts.fill(named, total), None, [f"{extra:,.2f} more than invoiced: left unapplied"]
    shortfall = total - amount
    cap = book.convert(rules.short_pay_base, rules.base_currency, named[0].currency, named[0].due_date)
    if cap is not None and shortfall <= amounts.short_pay_tolerance(total, rules.short_pay_percent, cap):
        allocations = amounts.fill(named, amount)
        last = book.invoices[allocations[-1][0]]
        write_off_cap = book.convert(rules.write_off_base, rules.base_currency, last.currency, last.due_date)
        proposal = "write_off" if write_off_cap is not None and shortfall <= write_off_cap else "dispute"
        deduction = Deduction(invoice_id=last.id, invoice_number=last.number, amount=shortfall,
                              currency=last.currency, proposal=proposal)
        return AMOUNT_SHORT, allocations, deduction, [f"short by {shortfall:,.2f}: proposed as a deduction"]
    subset = amounts.exactly(named, amount)[:1] or list(
        (amounts.combination(named, amount, rules.combination_max) or amounts.Combination((), False)).invoices)
    if subset:
        return AMOUNT_SUBSET, amounts.fill(subset, amount), None, [
            f"amount equals {', '.join(i.number for i in subset)} of the invoices named"]
    return PARTIAL, amounts.fill(named, amount), None, [
        f"pays {amount:,.2f} of the {total:,.2f} open on the invoices named"]


def _top_up(others: list[OpenInvoice], extra: Decimal, max_invoices: int
            ) -> tuple[list[OpenInvoice], bool] | None:
    """Other open invoices the rest of an amount pays exactly, and whether nothing else fits."""
    same = amounts.exactly(others, extra)
    if same:
        return same[:1], len(same) == 1
    if max_invoices < 2:
        return None
    found = amounts.combination(others, extra, max_invoices)
    return (list(found.invoices), found.unique) if found is not None else None


def _pay_by_amount(pool: list[OpenInvoice], amount: Decimal, book: Book
                   ) -> tuple[int, list[tuple[int, Decimal]], list[str]]:
    """No invoice named: one invoice of the amount, the account's total, or a combination."""
    same = amounts.exactly(pool, amount)
    if len(same) == 1:
        return ONE_INVOICE, [(same[0].id, amount)], [f"amount equals {same[0].number}"]
    if same:
        return SEVERAL_INVOICES, [(same[0].id, amount)], [
            f"amount equals {len(same)} open invoices; the oldest, {same[0].number}, first"]
    total = sum((i.open_amount for i in pool), Decimal("0.00"))
    if len(pool) > 1 and total == amount:
        return ACCOUNT_TOTAL, amounts.fill(sorted(pool, key=lambda i: (i.due_date, i.id)), amount), [
            f"amount equals the account's {len(pool)} open invoices"]
    found = amounts.combination(pool, amount, book.rules.combination_max)
    if found is not None:
        numbers = " + ".join(i.number for i in found.invoices)
        if found.unique:
            return ONE_COMBINATION, amounts.fill(found.invoices, amount), [f"amount equals {numbers}"]
        return SEVERAL_COMBINATIONS, amounts.fill(found.invoices, amount), [
            f"amount equals {numbers} (other combinations fit too)"]
    return 0, [], ["no open invoice or combination of that amount"]


def _ranked(proposals: list[Proposal], book: Book) -> list[Proposal]:
    proposals.sort(key=lambda p: (-p.confidence, -len(p.allocations), p.customer_id))
    if len(proposals) > 1:
        best, runner_up = proposals[0], next((p for p in proposals[1:] if not p.same_as(proposals[0])), None)
        if runner_up is not None and best.confidence - runner_up.confidence < CLOSE:
            below = int(book.rules.auto_apply) - 1
            if best.confidence > below:
                best.confidence = below
            best.reasons.append(f"another proposal is nearly as likely ({runner_up.confidence})")
    return proposals
