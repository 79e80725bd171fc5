"""Cash application's writes: match bank receipts, post them, and let a person decide the rest.

A receipt is matched (`cashapp.matching`) and, at `settings.CASH_AUTO_APPLY_CONFIDENCE` or above,
posted at once: a `Payment` of source bank, received on the value date, applied to the invoices
matched (`ledger.services.payment_receive`); whatever it does not apply stays as unapplied cash.
Below the threshold it waits in the worklist for a person to confirm (or split), assign to another
customer, park on an account, or ignore. A posted receipt can be undone by a manager, with a
reason: the payment is reversed (`payment_reverse`) and the line goes back to review. After every
move `work.settlement.money_moved` settles the promises and plans on the invoices touched, in the
same transaction.

Confirming or parking a receipt teaches its counterparty account (`PayerAccount`): the next
receipt from that account maps to the customer by itself. Undoing forgets what it taught.
"""

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from banking.files import statement_file_finish
from banking.ingest import statement_import
from banking.models import BankLine, StatementFile
from cashapp.deductions import deductions_record
from cashapp.matching.book import Book
from cashapp.matching.engine import receipt_match
from cashapp.matching.facts import Proposal, Receipt
from cashapp.matching.load import book_load, rates_load
from cashapp.models import CashMatch, PayerAccount, RemittanceAdvice
from cashapp.remittance import remittance_read
from core.money import ZERO
from ledger import services as ledger
from ledger.imports.bulk import objects_insert
from ledger.imports.engine import cyclic_gc_paused
from ledger.models import Application, Customer, Invoice, Payment
from portfolios.access import customer_rows, has_role
from portfolios.models import Role
from work.settlement import money_moved

Status = CashMatch.Status
Progress = Callable[[int], None]
POST_BATCH = 2000  # receipts posted in one bulk write (progress is reported after each): a 2,000-line statement in one
IN_BATCH = 900  # ids per IN (): within SQLite's oldest variable limit
NO_REFERENCE = {"NOTPROVIDED", "NONREF", "NONE"}  # what banks put in an empty end-to-end id


class CashError(ValidationError):
    """A cash application step that may not be done as asked; nothing was written."""


@dataclass
class MatchSummary:
    lines: int = 0  # receipts matched
    applied: int = 0
    to_review: int = 0
    unmatched: int = 0
    matches: list[CashMatch] = field(default_factory=list)


def may_work_cash(user: User) -> bool:
    """Collectors and managers (admins too) confirm, split, assign, park and ignore receipts."""
    return has_role(user, Role.COLLECTOR, Role.MANAGER, Role.ADMIN)


def may_undo_cash(user: User) -> bool:
    """Undoing a posted receipt reverses a payment: managers and admins."""
    return has_role(user, Role.MANAGER, Role.ADMIN)


def sees_customer(user: User, customer: Customer) -> bool:
    return Customer.objects.filter(customer_rows(user), pk=customer.pk).exists()


def _worker(user: User, match: CashMatch, customer: Customer | None = None) -> None:
    """A collector works unmatched receipts and those of their own accounts; a manager those of
    their teams' accounts (portfolios.access)."""
    if not may_work_cash(user):
        raise PermissionDenied("Only collectors and managers work bank receipts.")
    for account in {match.customer, customer} - {None}:
        assert account is not None
        if not sees_customer(user, account):
            raise PermissionDenied(f"{account.name} is not one of your accounts.")


def receipt_of(line: BankLine, advices: Sequence[str] = ()) -> Receipt:
    """The bank line as the matching engine reads it (with the text of attached remittance advices)."""
    texts = [("remittance text", line.remittance_text), ("structured reference", line.structured_reference)]
    if line.end_to_end_id and line.end_to_end_id.upper() not in NO_REFERENCE:
        texts.append(("end-to-end id", line.end_to_end_id))
    texts += [("remittance advice", text) for text in advices]
    return Receipt(key=line.pk, amount=line.amount, currency=line.currency, value_date=line.value_date,
                   counterparty_name=line.counterparty_name, counterparty_account=line.counterparty_account,
                   texts=tuple((where, text) for where, text in texts if text))


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    return (ids[start:start + IN_BATCH] for start in range(0, len(ids), IN_BATCH))


def _advices(line_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for chunk in _chunks(line_ids):
        for line_id, text in RemittanceAdvice.objects.filter(line_id__in=chunk).exclude(text="").values_list(
                "line_id", "text"):
            found.setdefault(line_id, []).append(text)
    return found


def _candidates(proposals: list[Proposal]) -> list[dict]:
    return [{"customer": p.customer_id, "invoices": [[i, str(a)] for i, a in p.allocations],
             "confidence": p.confidence, "reasons": p.reasons, "currency": p.currency, "amount": str(p.amount)}
            for p in proposals[:5]]


def _external_id(line: BankLine) -> str:
    """BANK-<line>, then BANK-<line>-2 … for a receipt posted again after an undo."""
    base = f"BANK-{line.pk}"
    earlier = Payment.objects.filter(Q(external_id=base) | Q(external_id__startswith=f"{base}-")).count()
    return base if not earlier else f"{base}-{earlier + 1}"


def _posted_before(lines: list[BankLine]) -> set[int]:
    """The lines among `lines` whose receipt was posted before (and undone), in bulk."""
    ids = [f"BANK-{line.pk}" for line in lines]
    found: set[int] = set()
    for start in range(0, len(ids), IN_BATCH):
        found |= {int(external_id.split("-")[1]) for external_id in Payment.objects.filter(
            external_id__in=ids[start:start + IN_BATCH]).values_list("external_id", flat=True)}
    return found


def _receipt(line: BankLine, *, customer: Customer, currency: str, amount: Decimal,
             allocations: Iterable[tuple[Invoice, Decimal]], first: bool = False) -> ledger.Receipt:
    """The receipt of a bank line for the ledger; `first`: known never posted before (BANK-<line>)."""
    reference = line.end_to_end_id if line.end_to_end_id.upper() not in NO_REFERENCE else ""
    return ledger.Receipt(
        customer=customer, external_id=f"BANK-{line.pk}" if first else _external_id(line),
        received_date=line.value_date, amount=amount, currency=currency, applications=list(allocations),
        source=Payment.Source.BANK, reference=(reference or line.structured_reference or line.remittance_text)[:100],
    )


def _post(line: BankLine, *, customer: Customer, currency: str, amount: Decimal,
          allocations: Iterable[tuple[Invoice, Decimal]], by: User | None) -> Payment:
    """Post one receipt through the ledger (a person's confirmation, a rematch)."""
    [payment] = ledger.payments_receive(
        [_receipt(line, customer=customer, currency=currency, amount=amount, allocations=allocations)], by=by)
    return payment


def _matchable(lines: Iterable[BankLine]) -> list[BankLine]:
    """Customer receipts not matched yet, locked: a second run over the same lines waits for the
    first and then finds them matched (looked up again once the lock is held)."""
    if isinstance(lines, QuerySet):  # only their ids: the rows are read once, locked, below
        ids = sorted(lines.filter(kind=BankLine.Kind.RECEIPT, is_reversal=False).values_list("pk", flat=True))
    else:
        ids = sorted(line.pk for line in lines if line.kind == BankLine.Kind.RECEIPT and not line.is_reversal)
    locked = [line for chunk in _chunks(ids) for line in BankLine.objects.select_for_update(of=("self",))
              .filter(pk__in=chunk, cash_match__isnull=True).order_by("pk")]
    done = {line_id for chunk in _chunks([line.pk for line in locked])
            for line_id in CashMatch.objects.filter(line_id__in=chunk).values_list("line_id", flat=True)}
    return sorted((line for line in locked if line.pk not in done), key=lambda line: (line.booking_date, line.pk))


def lines_match(lines: Iterable[BankLine], *, progress: Progress | None = None) -> MatchSummary:
    """Match every customer receipt among `lines` not matched yet, in one transaction: above the
    threshold it is posted at once, else it waits for review (with ranked candidates) or is
    unmatched (nothing to go on). The open book is read in a few queries for the whole batch, and
    what one receipt pays is off the book for the next."""
    summary = MatchSummary()
    with transaction.atomic():
        todo = _matchable(lines)
        advices = _advices([line.pk for line in todo])
        receipts = [receipt_of(line, advices.get(line.pk, ())) for line in todo]
        book = book_load(receipts)
        decided = [_decide(line, receipt, book) for line, receipt in zip(todo, receipts, strict=True)]
        paid = _post_automatic(decided, progress)
        summary.matches = [match for match, _ in decided]
        objects_insert(CashMatch, summary.matches)  # COPY on PostgreSQL: the ORM compiles each row's JSON
        money_moved(invoice_ids=paid)
    summary.lines = len(summary.matches)
    for match in summary.matches:
        if match.status == Status.APPLIED:
            summary.applied += 1
        elif match.status == Status.TO_REVIEW:
            summary.to_review += 1
        else:
            summary.unmatched += 1
    return summary


def _decide(line: BankLine, receipt: Receipt, book: Book) -> tuple[CashMatch, Proposal | None]:
    """The match of one receipt (unsaved) and the proposal to post at once, if it is sure enough;
    that proposal's invoices are taken off the book."""
    proposals = receipt_match(receipt, book)
    match = CashMatch(line=line, status=Status.UNMATCHED, candidates=_candidates(proposals))
    if not proposals:
        match.reasons = ["no invoice number, known payer or matching amount"]
        return match, None
    best = proposals[0]
    match.customer_id, match.confidence, match.reasons = best.customer_id, Decimal(best.confidence), best.reasons
    if best.confidence >= book.rules.auto_apply and best.allocations:
        book.settle(best.allocations)
        return match, best
    match.status = Status.TO_REVIEW
    return match, None


def _post_automatic(decided: list[tuple[CashMatch, Proposal | None]], progress: Progress | None) -> list[int]:
    """Post the sure proposals through the ledger in bulk (`ledger.services.payments_receive`, the
    same checks as one at a time); returns the invoices paid."""
    sure = [(match, best) for match, best in decided if best is not None]
    customers: dict[int, Customer] = {}
    for chunk in _chunks(sorted({best.customer_id for _, best in sure})):
        customers.update(Customer.objects.in_bulk(list(chunk)))
    invoice_ids = sorted({i for _, best in sure for i, _ in best.allocations})
    # Read and locked once: the ledger posts from these rows (`payments_receive(locked=…)`).
    invoices = ledger.invoices_lock(invoice_ids)
    now, again = timezone.now(), _posted_before([match.line for match, _ in sure])
    for start in range(0, len(sure), POST_BATCH):
        batch = sure[start:start + POST_BATCH]
        payments = ledger.payments_receive([
            _receipt(match.line, customer=customers[best.customer_id], currency=best.currency, amount=best.amount,
                     allocations=[(invoices[i], a) for i, a in best.allocations], first=match.line_id not in again)
            for match, best in batch], locked=invoices)
        for (match, _), payment in zip(batch, payments, strict=True):
            match.payment = payment
            match.status, match.auto_applied_at = Status.APPLIED, now
        short = [(match, best.deduction) for match, best in batch if best.deduction is not None]
        for (match, _), record in zip(short, deductions_record([(d, match.line) for match, d in short]), strict=True):
            match.deduction = record
        if progress:
            progress(int(100 * (start + len(batch)) / len(sure)))
    return invoice_ids


def _open(match: CashMatch) -> CashMatch:
    locked = CashMatch.objects.select_for_update(of=("self",)).select_related("line", "customer").get(pk=match.pk)
    if locked.status not in CashMatch.OPEN:
        raise CashError(f"This receipt is already {locked.get_status_display().lower()}.")
    return locked


def _learn(line: BankLine, customer: Customer, by: User) -> None:
    """The counterparty account belongs to `customer`: the latest person to say so is right."""
    if line.counterparty_account:
        PayerAccount.objects.update_or_create(
            counterparty_account=line.counterparty_account,
            defaults={"customer": customer, "confirmed_by": by, "source": PayerAccount.Source.CONFIRMED},
        )


def _forget(match: CashMatch) -> None:
    """An undone receipt unteaches its counterparty account: it no longer maps to that customer."""
    if match.line.counterparty_account and match.customer_id is not None:
        PayerAccount.objects.filter(counterparty_account=match.line.counterparty_account,
                                    customer_id=match.customer_id).delete()


def _in_currency(line: BankLine, currency: str) -> Decimal:
    """The receipt in the invoices' currency, converted at the value date when it came in another."""
    rates = rates_load({line.currency, currency}, settings.BASE_CURRENCY)
    amount = rates.convert(line.amount, line.currency, currency, line.value_date)
    if amount is None:
        raise CashError(f"No FX rate to convert {line.currency} into {currency}; add one first.")
    return amount


def _allocations(customer: Customer, allocations: list[tuple[Invoice, Decimal]], line: BankLine
                 ) -> tuple[str, Decimal, list[tuple[Invoice, Decimal]]]:
    """Checked allocations: open invoices of the customer's family, in one currency, positive,
    within what is open on each and, together, within the receipt."""
    wanted = [(invoice, Decimal(amount)) for invoice, amount in allocations if Decimal(amount) != 0]
    invoices = {i.pk: i for i in Invoice.objects.select_related("customer").filter(pk__in=[i.pk for i, _ in wanted])}
    head = customer.family_top_pk
    currency = next((invoices[i.pk].currency for i, _ in wanted), customer.currency)
    checked = []
    for invoice, amount in wanted:
        current = invoices[invoice.pk]
        if current.customer.family_top_pk != head:
            raise CashError(f"Invoice {current} belongs to another account than {customer.name}.")
        if current.currency != currency:
            raise CashError(f"Invoices in {currency} and {current.currency} cannot share one receipt.")
        if not current.is_open:
            raise CashError(f"Invoice {current} is not open any more.")
        if amount <= 0 or amount > current.open_amount:
            raise CashError(f"Apply between 0.01 and the {current.open_amount:,.2f} open on invoice {current}.")
        checked.append((current, amount))
    amount = line.amount if currency == line.currency else _in_currency(line, currency)
    applied = sum((a for _, a in checked), ZERO)
    if applied > amount:
        raise CashError(f"{applied:,.2f} {currency} is more than the receipt's {amount:,.2f} {currency}.")
    return currency, amount, checked


def match_confirm(*, match: CashMatch, customer: Customer, allocations: list[tuple[Invoice, Decimal]],
                  by: User) -> CashMatch:
    """A person posts the receipt to `customer`, applied to `allocations` (a suggestion as it is,
    split across several invoices, or another customer's); what is not applied stays unapplied
    cash on the account. The counterparty account is learned for the next receipt."""
    _worker(by, match, customer)
    with transaction.atomic():
        match = _open(match)
        currency, amount, checked = _allocations(customer, allocations, match.line)
        if not checked:
            raise CashError("Say which invoices the receipt pays, or park it as unapplied cash.")
        match.payment = _post(match.line, customer=customer, currency=currency, amount=amount, allocations=checked,
                              by=by)
        match.status, match.customer = Status.CONFIRMED, customer
        match.decided_by, match.decided_at = by, timezone.now()
        match.deduction = None
        match.save()
        _learn(match.line, customer, by)
        money_moved(invoice_ids=[i.pk for i, _ in checked])
    return match


def match_park(*, match: CashMatch, customer: Customer, by: User) -> CashMatch:
    """The receipt is the customer's but pays nothing named yet: it is posted as unapplied cash on
    the account, for the collector to apply once the customer says what it pays."""
    _worker(by, match, customer)
    with transaction.atomic():
        match = _open(match)
        currency = customer.currency
        amount = match.line.amount if currency == match.line.currency else _in_currency(match.line, currency)
        match.payment = _post(match.line, customer=customer, currency=currency, amount=amount, allocations=(),
                              by=by)
        match.status, match.customer = Status.PARKED, customer
        match.decided_by, match.decided_at = by, timezone.now()
        match.save()
        _learn(match.line, customer, by)
    return match


def _reason(reason: str, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CashError(missing)
    if len(reason) > 200:
        raise CashError("Keep the reason to 200 characters.")
    return reason


def match_undo(*, match: CashMatch, reason: str, by: User) -> CashMatch:
    """A manager undoes a posted receipt (applied to the wrong customer or invoices): the payment is
    reversed through the ledger, the invoices it paid are open again, and the line goes back to
    review with its candidates. An automatic match undone counts as a wrong match."""
    if not may_undo_cash(by):
        raise PermissionDenied("Only managers undo a posted receipt.")
    reason = _reason(reason, "Say why the receipt is undone.")
    with transaction.atomic():
        match = CashMatch.objects.select_for_update(of=("self",)).select_related("line", "payment").get(pk=match.pk)
        if match.status not in CashMatch.POSTED or match.payment is None:
            raise CashError(f"This receipt is {match.get_status_display().lower()}: nothing to undo.")
        if match.customer is not None and not sees_customer(by, match.customer):
            raise PermissionDenied(f"{match.customer.name} is not one of your accounts.")
        paid = list(Application.objects.filter(payment=match.payment, amount__gt=0, reversed_by__isnull=True)
                    .values_list("invoice_id", flat=True))
        ledger.payment_reverse(payment=match.payment, reason=f"Bank receipt undone: {reason}"[:200], by=by)
        _forget(match)
        match.status, match.payment = Status.TO_REVIEW, None
        match.undone_at, match.undone_by, match.undo_reason = timezone.now(), by, reason
        if match.deduction:
            match.deduction = {**match.deduction, "status": "undone"}
        match.save()
        money_moved(invoice_ids=paid)
    return match


def match_ignore(*, match: CashMatch, reason: str, by: User) -> CashMatch:
    """A credit that is not customer cash (a supplier's refund, a transfer between our accounts)
    leaves the worklist, with the reason; nothing is posted."""
    _worker(by, match)
    reason = _reason(reason, "Say why this receipt is not customer cash.")
    with transaction.atomic():
        match = _open(match)
        match.status, match.reasons = Status.IGNORED, [*match.reasons, f"not customer cash: {reason}"]
        match.decided_by, match.decided_at = by, timezone.now()
        match.save(update_fields=["status", "reasons", "decided_by", "decided_at", "updated_at"])
    return match


def match_rematch(*, match: CashMatch) -> CashMatch:
    """Match an open receipt again (a remittance advice was attached, the book changed): new
    candidates, and posted at once when now above the threshold."""
    with transaction.atomic():
        match = _open(match)
        line = match.line
        receipt = receipt_of(line, _advices([line.pk]).get(line.pk, ()))
        book = book_load([receipt])
        decided = [_decide(line, receipt, book)]
        paid = _post_automatic(decided, None)
        fresh = decided[0][0]
        for name in ("status", "customer_id", "confidence", "reasons", "candidates", "payment", "deduction",
                     "auto_applied_at"):
            setattr(match, name, getattr(fresh, name))
        match.save()
        money_moved(invoice_ids=paid)
    return match


def remittance_add(*, data: bytes, filename: str, by: User, line: BankLine | None = None,
                   customer: Customer | None = None) -> RemittanceAdvice:
    """A remittance advice (PDF, CSV or text) the customer sent is kept with its text and the
    invoice numbers found in it; attached to a receipt still open, the receipt is matched again."""
    if not may_work_cash(by):
        raise PermissionDenied("Only collectors and managers add remittance advices.")
    if line is None and customer is None:
        raise CashError("Attach the remittance advice to a receipt or to an account.")
    if customer is not None and not sees_customer(by, customer):
        raise PermissionDenied(f"{customer.name} is not one of your accounts.")
    read = remittance_read(data, filename)
    with transaction.atomic():
        advice = RemittanceAdvice.objects.create(
            line=line, customer=customer, filename=filename[:200], content_type=read.content_type, content=data,
            text=read.text, invoice_refs=read.invoice_refs, created_by=by,
        )
        match = CashMatch.objects.filter(line=line, status__in=CashMatch.OPEN).first() if line else None
        if match is not None:
            match_rematch(match=match)
    return advice


@cyclic_gc_paused()  # like the ERP import: its rows and the open book would set off full collections
def statement_import_and_match(*, data: bytes, filename: str, format: str = "auto", dry_run: bool = False,
                               by: User | None = None, file: StatementFile | None = None,
                               progress: Progress | None = None, mapping: dict | None = None) -> dict:
    """Import a statement file (all or nothing, `banking.ingest`), then match its receipts (also
    those an interrupted earlier import of the same file left unmatched) and mark the file done with the figures the
    command prints: lines, credits, applied, to_review, unmatched, skipped. A dry run writes
    nothing and says what matching would do. A bad file raises `banking.ingest.StatementError`."""
    report = progress or (lambda _: None)
    started = time.monotonic()
    result = statement_import(data=data, filename=filename, format=format, dry_run=dry_run, by=by, file=file,
                              progress=lambda p: report(p // 2), mapping=mapping, finish=False)
    # A file imported before keeps its first import's figures (the figures page lists them).
    finished_before = result.file is not None and result.file.status == StatementFile.Status.DONE
    figures = {"lines": result.lines_total, "credits": result.credits, "applied": 0, "to_review": 0,
               "unmatched": 0, "skipped": result.skipped}
    if dry_run:
        figures.update(lines_preview(result.new_lines))
        return figures
    pending = BankLine.objects.filter(statement__file=result.file, kind=BankLine.Kind.RECEIPT, is_reversal=False,
                                      cash_match__isnull=True)
    summary = lines_match(pending, progress=lambda p: report(50 + p // 2))
    figures.update(applied=summary.applied, to_review=summary.to_review, unmatched=summary.unmatched)
    if result.file is not None and not finished_before:
        # The seconds it took to read and match (the figures page's lines per second); the command
        # prints only the counts.
        statement_file_finish(result.file, result={**figures, "seconds": round(time.monotonic() - started, 3)})
    report(100)
    return figures


def lines_preview(lines: Sequence[BankLine]) -> dict:
    """What matching would do with lines not saved (a dry run): counts only, nothing written."""
    receipts = [receipt_of(line) for line in lines if line.kind == BankLine.Kind.RECEIPT and not line.is_reversal]
    receipts = [Receipt(key=n, amount=r.amount, currency=r.currency, value_date=r.value_date,
                        counterparty_name=r.counterparty_name, counterparty_account=r.counterparty_account,
                        texts=r.texts) for n, r in enumerate(receipts)]
    book = book_load(receipts)
    counts = {"applied": 0, "to_review": 0, "unmatched": 0}
    for receipt in receipts:
        proposals = receipt_match(receipt, book)
        if not proposals:
            counts["unmatched"] += 1
        elif proposals[0].confidence >= book.rules.auto_apply and proposals[0].allocations:
            counts["applied"] += 1
            book.settle(proposals[0].allocations)
        else:
            counts["to_review"] += 1
    return counts


