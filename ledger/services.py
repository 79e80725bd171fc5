"""The only place that changes money on the ledger.

Every function here runs in one transaction, locks the rows whose balances it changes, writes the
rows that justify the change (an Application, a WriteOff, a reversal) and updates the stored
balances with them. `manage.py check_ledger` recomputes those balances from the rows.

The ledger knows nothing of promises, plans or reminders: whoever moves money through here (the
UI, the API, the import, a payment provider, a bank statement) then calls
`work.settlement.money_moved` with the invoices it touched, which settles what depended on them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from core.money import CENT, MAX_AMOUNT, ZERO, Amount
from ledger.imports.bulk import objects_insert, objects_update
from ledger.models import Application, CreditNote, Customer, Invoice, Payment, WriteOff
from ledger.touch import ledger_moved, ledger_touch


class LedgerError(ValidationError):
    """A ledger operation that would leave the books wrong; nothing was written."""


M = TypeVar("M", bound=Model)


# How far from today a ledger date may lie: further is a typo (9999-12-31, 0202-01-01), not a document.
YEARS_BACK, YEARS_AHEAD = 10, 5


def _money(value: Amount) -> Decimal:
    """An amount the ledger can hold: a finite number with at most two decimals, at most MAX_AMOUNT
    either way (each service says whether it must be positive and what it may not exceed)."""
    try:
        amount = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        raise LedgerError(f"{value!r} is not an amount.") from None
    if not amount.is_finite():
        raise LedgerError(f"{value!r} is not an amount.")
    if abs(amount) > MAX_AMOUNT:
        raise LedgerError(f"{amount:,.2f} is more than the ledger can hold (at most {MAX_AMOUNT:,.2f}).")
    if amount != amount.quantize(CENT):
        raise LedgerError(f"{value} has more than two decimals")
    return amount.quantize(CENT)


def _on(value: date, what: str) -> date:
    """A ledger date within YEARS_BACK years before and YEARS_AHEAD years after today."""
    today = timezone.localdate()
    earliest = today.replace(year=today.year - YEARS_BACK, day=1)
    latest = today.replace(year=today.year + YEARS_AHEAD, day=1)
    if not earliest <= value <= latest:
        raise LedgerError(f"{what} {value:%Y-%m-%d} is not a plausible date: it must lie between "
                          f"{earliest:%Y-%m-%d} and {latest:%Y-%m-%d}.")
    return value


def _lock(model: type[M], pk: int) -> M:
    return model._default_manager.select_for_update().get(pk=pk)


def invoice_issue(
    *, customer: Customer, external_id: str, issue_date: date, due_date: date, amount: Amount, currency: str,
    po_number: str = "",
) -> Invoice:
    """A new invoice is fully open until cash, credit or a write-off reduces it."""
    amount = _money(amount)
    if amount <= 0:
        raise LedgerError("An invoice amount must be positive.")
    _on(issue_date, "The issue date")
    _on(due_date, "The due date")
    if due_date < issue_date:
        raise LedgerError("An invoice cannot fall due before it is issued.")
    ledger_touch(on=issue_date)  # history changed from the issue date (snapshots taken since are stale)
    return Invoice.objects.create(
        customer=customer, external_id=external_id, issue_date=issue_date, due_date=due_date,
        amount=amount, currency=currency, po_number=po_number, open_amount=amount,
    )


def _apply(
    *, invoice_id: int, amount: Decimal, on: date, payment: Payment | None = None,
    credit_note: CreditNote | None = None, by: User | None = None,
) -> Application:
    invoice = _lock(Invoice, invoice_id)
    source = payment or credit_note
    assert source is not None, "payment_apply and credit_note_apply pass one"
    if invoice.status == Invoice.Status.VOID:
        raise LedgerError(f"Invoice {invoice} is void.")
    if invoice.customer.family_top_pk != source.customer.family_top_pk:
        raise LedgerError(f"{source} belongs to another customer than invoice {invoice}.")
    if invoice.currency != source.currency:
        raise LedgerError(f"{source} is in {source.currency}, invoice {invoice} in {invoice.currency}.")
    if amount <= 0:
        raise LedgerError("An applied amount must be positive.")
    if amount > invoice.open_amount:
        raise LedgerError(f"{amount} is more than the {invoice.open_amount} open on invoice {invoice}.")
    application = Application.objects.create(
        invoice=invoice, payment=payment, credit_note=credit_note, amount=amount, applied_on=on, created_by=by
    )
    _set_open(invoice, invoice.open_amount - amount, on)
    return application


def _set_open(invoice: Invoice, open_amount: Decimal, on: date) -> None:
    invoice.open_amount = open_amount
    if open_amount == 0:
        invoice.status, invoice.closed_on = Invoice.Status.PAID, on
    else:
        invoice.status, invoice.closed_on = Invoice.Status.OPEN, None
    invoice.save(update_fields=["open_amount", "status", "closed_on", "updated_at"])
    ledger_touch(on=on)  # every application, reversal and write-off moves the open amount here


def payment_receive(
    *, customer: Customer, external_id: str, received_date: date, amount: Amount, currency: str,
    applications: Iterable[tuple[Invoice, Amount]] = (), reference: str = "", by: User | None = None,
    source: str = Payment.Source.ERP,
) -> Payment:
    """Cash received is applied to the invoices the customer named; whatever is left stays on
    account as unapplied cash for the collector to discuss. `source` says where it was recorded
    (Payment.Source): online and bank receipts are listed back to the ERP."""
    amount = _money(amount)
    if amount <= 0:
        raise LedgerError("A payment amount must be positive.")
    _on(received_date, "The received date")
    if source not in Payment.Source.values:
        raise LedgerError(f"{source!r} is not a payment source.")
    with transaction.atomic():
        payment = Payment.objects.create(
            customer=customer, external_id=external_id, received_date=received_date, amount=amount,
            currency=currency, reference=reference, unapplied_amount=amount, source=source,
        )
        ledger_moved()  # unapplied cash and cash collected change even when nothing is applied
        for invoice, applied in applications:
            payment_apply(payment=payment, invoice=invoice, amount=applied, on=received_date, by=by)
        payment.refresh_from_db()
    return payment


@dataclass(frozen=True)
class Receipt:
    """One payment for `payments_receive`: what `payment_receive` takes, as a value."""

    customer: Customer
    external_id: str
    received_date: date
    amount: Amount
    currency: str
    applications: Sequence[tuple[Invoice, Amount]] = ()
    reference: str = ""
    source: str = Payment.Source.ERP


IN_BATCH = 500  # ids per IN (...) list: under SQLite's bound-parameter limit
FEW = 20  # up to this many rows, the ORM's bulk_create and bulk_update; more go through `ledger.imports.bulk` (COPY)


def _family_heads(customer_ids: Iterable[int]) -> dict[int, int]:
    """The top of each customer's account family, read in bulk (the same rule as `Customer.family_top_pk`)."""
    ids, heads = sorted(set(customer_ids)), {}
    for start in range(0, len(ids), IN_BATCH):
        heads.update({pk: top or pk for pk, top in Customer.objects.filter(
            pk__in=ids[start:start + IN_BATCH]).values_list("pk", "family_top_id")})
    return heads


class LockedInvoices(dict[int, Invoice]):
    """Invoices read and locked (`invoices_lock`) in the transaction that is still open."""


def invoices_lock(invoice_ids: Iterable[int]) -> LockedInvoices:
    """Lock and read invoices, for a caller that must see what is open on them before it says what a
    payment applies (a webhook's payment: an invoice paid meanwhile in another tab), then passes
    them to `payments_receive(locked=…)` in the same transaction, so they are read once."""
    if not connection.in_atomic_block:
        raise LedgerError("Invoices are locked inside the transaction that posts to them.")
    ids, found = sorted(set(invoice_ids)), LockedInvoices()
    for start in range(0, len(ids), IN_BATCH):
        found.update({invoice.pk: invoice for invoice in Invoice.objects.select_for_update().filter(
            pk__in=ids[start:start + IN_BATCH])})
    return found


def _invoices_locked(invoice_ids: list[int], locked: LockedInvoices | None) -> dict[int, Invoice]:
    if locked is not None and not (isinstance(locked, LockedInvoices) and connection.in_atomic_block):
        raise LedgerError("Locked invoices come from invoices_lock, in the transaction that posts to them.")
    invoices: dict[int, Invoice] = {pk: locked[pk] for pk in invoice_ids if locked and pk in locked}
    missing = [pk for pk in invoice_ids if pk not in invoices]
    for start in range(0, len(missing), IN_BATCH):
        invoices.update({invoice.pk: invoice for invoice in Invoice.objects.select_for_update().filter(
            pk__in=missing[start:start + IN_BATCH])})
    return invoices


def _invoices_write(invoices: dict[int, Invoice]) -> None:
    """The new balances of the invoices a posting applied to: one UPDATE for one invoice (a
    webhook's payment), the ORM's bulk_update up to FEW, `update_rows` beyond."""
    now, fields = timezone.now(), ["open_amount", "status", "closed_on", "updated_at"]
    for invoice in invoices.values():
        invoice.updated_at = now
    if len(invoices) == 1:
        [invoice] = invoices.values()
        Invoice.objects.filter(pk=invoice.pk).update(**{f: getattr(invoice, f) for f in fields})
    else:  # the ORM's bulk_update builds a CASE per row and field: slow for a statement's invoices
        objects_update(Invoice, list(invoices.values()), fields, FEW)


def payments_receive(receipts: Sequence[Receipt], *, by: User | None = None,
                     locked: LockedInvoices | None = None) -> list[Payment]:
    """`payment_receive` for many payments at once (a bank statement's receipts), with the same
    checks on every payment and application, all or nothing: the invoices are locked and read in
    a few queries (or were, by `invoices_lock` in this transaction: `locked`), what one payment
    applies is off the invoice for the next, and payments, applications and invoice balances are
    written in bulk. Returns the payments, in order."""
    checked = []
    for receipt in receipts:
        amount = _money(receipt.amount)
        if amount <= 0:
            raise LedgerError("A payment amount must be positive.")
        _on(receipt.received_date, "The received date")
        if receipt.source not in Payment.Source.values:
            raise LedgerError(f"{receipt.source!r} is not a payment source.")
        applied = [(invoice, _money(value)) for invoice, value in receipt.applications]
        if any(value <= 0 for _, value in applied):
            raise LedgerError("An applied amount must be positive.")
        total = sum((value for _, value in applied), ZERO)
        if total > amount:
            raise LedgerError(f"{total} is more than the {amount} received as payment {receipt.external_id}.")
        checked.append((receipt, amount, applied))
    invoice_ids = sorted({invoice.pk for _, _, applied in checked for invoice, _ in applied})
    with transaction.atomic():
        invoices = _invoices_locked(invoice_ids, locked)
        # A payment applied only to its own customer's invoices is within the family whatever the
        # family is: the families are read only for payments that reach another account's invoices.
        across = {(receipt.customer.pk, invoices[ref.pk].customer_id) for receipt, _, applied in checked
                  for ref, _ in applied if invoices[ref.pk].customer_id != receipt.customer.pk}
        heads = _family_heads(pk for pair in across for pk in pair)
        payments: list[Payment] = []
        pending: list[tuple[int, Invoice, Decimal, date]] = []  # (payment's index, invoice, amount, date)
        touched: set[date] = set()
        for receipt, amount, applied in checked:
            for ref, value in applied:
                invoice = invoices[ref.pk]
                if invoice.status == Invoice.Status.VOID:
                    raise LedgerError(f"Invoice {invoice} is void.")
                if invoice.customer_id != receipt.customer.pk \
                        and heads[invoice.customer_id] != heads[receipt.customer.pk]:
                    raise LedgerError(f"Payment {receipt.external_id} belongs to another customer than invoice "
                                      f"{invoice}.")
                if invoice.currency != receipt.currency:
                    raise LedgerError(f"Payment {receipt.external_id} is in {receipt.currency}, invoice {invoice} "
                                      f"in {invoice.currency}.")
                if value > invoice.open_amount:
                    raise LedgerError(f"{value} is more than the {invoice.open_amount} open on invoice {invoice}.")
                invoice.open_amount -= value
                if invoice.open_amount == 0:
                    invoice.status, invoice.closed_on = Invoice.Status.PAID, receipt.received_date
                else:
                    invoice.status, invoice.closed_on = Invoice.Status.OPEN, None
                pending.append((len(payments), invoice, value, receipt.received_date))
                touched.add(receipt.received_date)
            payments.append(Payment(
                customer=receipt.customer, external_id=receipt.external_id, received_date=receipt.received_date,
                amount=amount, currency=receipt.currency, reference=receipt.reference, source=receipt.source,
                unapplied_amount=amount - sum((value for _, value in applied), ZERO)))
        payments = objects_insert(Payment, payments, FEW)  # COPY on PostgreSQL beyond FEW
        objects_insert(Application, [
            Application(invoice=invoice, payment=payments[n], amount=value, applied_on=on, created_by=by)
            for n, invoice, value, on in pending], FEW)
        _invoices_write(invoices)
        for on in sorted(touched):
            ledger_touch(on=on)  # every application moves the open amounts from its date
        ledger_moved()  # unapplied cash and cash collected change even when nothing is applied
    return payments


def payment_apply(
    *, payment: Payment, invoice: Invoice, amount: Amount, on: date | None = None, by: User | None = None,
) -> Application:
    """Apply unapplied cash to an open invoice of the same customer (or account family)."""
    amount = _money(amount)
    on = _on(on or timezone.localdate(), "The application date")
    with transaction.atomic():
        payment = _lock(Payment, payment.pk)
        if payment.status != Payment.Status.POSTED:
            raise LedgerError(f"Payment {payment} is reversed.")
        if amount > payment.unapplied_amount:
            raise LedgerError(f"{amount} is more than the {payment.unapplied_amount} unapplied on payment {payment}.")
        application = _apply(invoice_id=invoice.pk, amount=amount, on=on, payment=payment, by=by)
        # The row is locked: compute in Decimal here, not with F() (SQLite does F() arithmetic on decimals
        # in floating point, which can leave -0.00000000001 and trip the not-negative constraint).
        Payment.objects.filter(pk=payment.pk).update(unapplied_amount=payment.unapplied_amount - amount)
    return application


def credit_note_issue(
    *, customer: Customer, external_id: str, issue_date: date, amount: Amount, currency: str,
    invoice: Invoice | None = None, reason: str = "", by: User | None = None,
) -> CreditNote:
    """A credit note reduces the invoice it was raised against, or stays as a usable credit."""
    amount = _money(amount)
    if amount <= 0:
        raise LedgerError("A credit note amount must be positive.")
    _on(issue_date, "The credit note's date")
    with transaction.atomic():
        credit = CreditNote.objects.create(
            customer=customer, external_id=external_id, issue_date=issue_date, amount=amount,
            currency=currency, reason=reason, unapplied_amount=amount,
        )
        ledger_moved()
        if invoice is not None:
            credit_note_apply(credit_note=credit, invoice=invoice, amount=amount, on=issue_date, by=by)
            credit.refresh_from_db()
    return credit


def credit_note_apply(
    *, credit_note: CreditNote, invoice: Invoice, amount: Amount, on: date | None = None, by: User | None = None,
) -> Application:
    """Use (part of) an open credit against an open invoice of the same customer or family."""
    amount = _money(amount)
    on = _on(on or timezone.localdate(), "The application date")
    with transaction.atomic():
        credit_note = _lock(CreditNote, credit_note.pk)
        if amount > credit_note.unapplied_amount:
            raise LedgerError(f"{amount} is more than the {credit_note.unapplied_amount} left on credit {credit_note}.")
        application = _apply(invoice_id=invoice.pk, amount=amount, on=on, credit_note=credit_note, by=by)
        CreditNote.objects.filter(pk=credit_note.pk).update(unapplied_amount=credit_note.unapplied_amount - amount)
    return application


def application_reverse(*, application: Application, on: date | None = None, by: User | None = None) -> Application:
    """Undo an application (cash applied to the wrong invoice, a bounced cheque): a new negative
    row puts the amount back on the invoice and back on the payment or credit."""
    on = _on(on or timezone.localdate(), "The reversal date")
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.amount < 0:
            raise LedgerError("A reversal cannot itself be reversed.")
        if Application.objects.filter(reverses=application).exists():
            raise LedgerError("This application is already reversed.")
        invoice = _lock(Invoice, application.invoice_id)
        reversal = Application.objects.create(
            invoice=invoice, payment_id=application.payment_id, credit_note_id=application.credit_note_id,
            amount=-application.amount, applied_on=on, reverses=application, created_by=by,
        )
        _set_open(invoice, invoice.open_amount + application.amount, on)
        source: Payment | CreditNote
        if application.payment_id:
            source = _lock(Payment, application.payment_id)
        else:  # the table's check: an application comes from a payment or from a credit note
            assert application.credit_note_id is not None
            source = _lock(CreditNote, application.credit_note_id)
        type(source).objects.filter(pk=source.pk).update(unapplied_amount=source.unapplied_amount + application.amount)
    return reversal


def payment_reverse(*, payment: Payment, reason: str, on: date | None = None, by: User | None = None) -> Payment:
    """A payment that bounced or was keyed twice: every application is reversed and the payment
    stays on the books as reversed, with who, when and why."""
    if not reason:
        raise LedgerError("Reversing a payment needs a reason.")
    if on is not None:
        _on(on, "The reversal date")
    with transaction.atomic():
        payment = _lock(Payment, payment.pk)
        if payment.status == Payment.Status.REVERSED:
            raise LedgerError(f"Payment {payment} is already reversed.")
        live = payment.applications.filter(amount__gt=0, reversed_by__isnull=True)
        for application in live:
            application_reverse(application=application, on=on, by=by)
        Payment.objects.filter(pk=payment.pk).update(
            status=Payment.Status.REVERSED, unapplied_amount=ZERO, reversed_at=timezone.now(),
            reversed_by=by, reversal_reason=reason,
        )
        ledger_moved()
        payment.refresh_from_db()
    return payment


def invoice_write_off(
    *, invoice: Invoice, amount: Amount, reason: str, on: date | None = None, by: User | None = None,
) -> WriteOff:
    """Write off (part of) an invoice that will not be collected; the reason is kept."""
    amount = _money(amount)
    on = _on(on or timezone.localdate(), "The write-off date")
    if not reason:
        raise LedgerError("A write-off needs a reason.")
    with transaction.atomic():
        invoice = _lock(Invoice, invoice.pk)
        if amount <= 0 or amount > invoice.open_amount:
            raise LedgerError(f"A write-off must be between 0.01 and the {invoice.open_amount} open.")
        write_off = WriteOff.objects.create(
            invoice=invoice, amount=amount, written_off_on=on, reason=reason, created_by=by
        )
        _set_open(invoice, invoice.open_amount - amount, on)
    return write_off


def invoice_void(*, invoice: Invoice, reason: str, by: User | None = None) -> Invoice:
    """Void an invoice raised in error. Cash or credit applied to it must be reversed first, so
    that nothing the customer paid disappears with it."""
    if not reason:
        raise LedgerError("Voiding an invoice needs a reason.")
    with transaction.atomic():
        invoice = _lock(Invoice, invoice.pk)
        if invoice.status == Invoice.Status.VOID:
            raise LedgerError(f"Invoice {invoice} is already void.")
        if invoice.open_amount != invoice.amount:
            raise LedgerError(f"Invoice {invoice} has cash, credit or write-offs on it; reverse them first.")
        invoice.status = Invoice.Status.VOID
        invoice.open_amount = ZERO
        invoice.closed_on = None
        invoice.voided_at = timezone.now()
        invoice.voided_by = by
        invoice.void_reason = reason
        invoice.save()
        ledger_touch(on=invoice.issue_date)  # a void invoice leaves all of its history
    return invoice


def charge_issue(
    *, source: Invoice, kind: str, amount: Amount, on: date, period_end: date | None = None, by: User | None = None,
) -> Invoice:
    """A late-payment fee or interest becomes a receivable of its own type, charged on the invoice
    it arises from, which is never edited. Approved on `on`, it is issued that day and falls due on
    the customer's payment terms, like any invoice; it is reminded like one, but is never itself
    charged a fee or interest. Its id is derived from the source: `<source>-FEE-<n>` (the n-th fee
    on that invoice) or `<source>-INT-<yyyymmdd>` (the last day of interest it covers)."""
    amount = _money(amount)
    if kind not in (Invoice.DocumentType.LATE_FEE, Invoice.DocumentType.INTEREST):
        raise LedgerError(f"{kind!r} is not a kind of charge.")
    if amount <= 0:
        raise LedgerError("A charge must be positive.")
    _on(on, "The charge date")
    with transaction.atomic():
        source = Invoice.objects.select_for_update().select_related("customer").get(pk=source.pk)
        if source.document_type != Invoice.DocumentType.INVOICE:
            raise LedgerError(f"{source} is itself a charge; charges are never charged again.")
        if source.status == Invoice.Status.VOID:
            raise LedgerError(f"Invoice {source} is void; nothing can be charged on it.")
        if kind == Invoice.DocumentType.LATE_FEE:
            suffix = f"FEE-{source.charges.filter(document_type=kind).count() + 1}"
        else:
            suffix = f"INT-{(period_end or on):%Y%m%d}"
        external_id = f"{source.external_id[:64 - len(suffix) - 1]}-{suffix}"
        if Invoice.objects.filter(external_id=external_id).exists():
            raise LedgerError(f"A charge {external_id} already exists.")
        ledger_touch(on=on)
        return Invoice.objects.create(
            customer=source.customer, external_id=external_id, document_type=kind, charge_for=source,
            issue_date=on, due_date=on + timedelta(days=source.customer.payment_terms_days), amount=amount,
            currency=source.currency, open_amount=amount,
        )
