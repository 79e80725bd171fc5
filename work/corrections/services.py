"""Writes of ledger corrections: a manager asks to reverse a payment, write off (part of) an invoice
or void an invoice (a dispute's credit is asked for by resolving the dispute, `work.disputes`); a
second manager approves or rejects what is above the asker's limit.

The amount a correction moves is compared with the asker's approval limit (`limits.approval_limit`:
per role, `settings.APPROVAL_LIMITS`, managers and admins `settings.LEDGER_APPROVAL_THRESHOLD`) in
the base currency, converted (`ledger.fx`) at the document's date (the payment's received date, the
invoice's issue date), as every report converts (METRICS.md): a limit means the same money
whatever the account's currency. A document in a currency without any FX rate cannot be shown to
be below it, so its correction waits for approval.

The money moves only through `ledger.services`, with the requester as the ledger row's author;
then `work.settlement.money_moved` settles the promises and plans on the invoices touched (a
reversal can take a kept installment back). Every request, approval, rejection and execution is a
note on the account's timeline.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from core.money import CENT
from ledger import services as ledger
from ledger.models import Application, Customer, Invoice, Payment
from portfolios.access import may_correct_ledger
from work.corrections.limits import amount_in_base, approval_required, why_approval
from work.corrections.models import LedgerCorrection
from work.disputes import dispute_credit_issue
from work.models import Activity
from work.services import activity_log
from work.settlement import money_moved

Kind = LedgerCorrection.Kind


class CorrectionError(ValidationError):
    """A correction that may not be asked, approved or rejected as it stands; nothing was written."""


def _corrector(user: User, doing: str) -> None:
    if not may_correct_ledger(user):
        raise CorrectionError(f"Only managers and admins {doing}.")


def _reason(reason: str, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionError(missing)
    if len(reason) > 200:
        raise CorrectionError("Keep the reason to 200 characters.")
    return reason


def _write_off_amount(invoice: Invoice, value: Decimal | str | None) -> Decimal:
    try:
        amount = Decimal(value) if value is not None else None
    except (ArithmeticError, TypeError, ValueError):
        amount = None
    if amount is None:
        raise CorrectionError(f"{value!r} is not an amount.")
    if not amount.is_finite() or amount <= 0:
        raise CorrectionError(f"Write off a positive amount, at most the {invoice.open_amount:,.2f} "
                              f"{invoice.currency} open on invoice {invoice}.")
    if amount > invoice.open_amount:
        raise CorrectionError(f"{amount:,.2f} is more than the {invoice.open_amount:,.2f} {invoice.currency} "
                              f"open on invoice {invoice}.")
    if amount != amount.quantize(CENT):
        raise CorrectionError(f"{amount} has more than two decimals.")
    return amount


def _document(
    *, customer: Customer, kind: str, payment: Payment | None, invoice: Invoice | None, amount: Decimal | str | None,
) -> tuple[Payment | Invoice, Decimal]:
    """The document the correction is about, locked and checked, and the amount it moves."""
    if kind == Kind.PAYMENT_REVERSAL:
        if payment is None:
            raise CorrectionError("Choose the payment to reverse.")
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.customer_id != customer.pk:
            raise CorrectionError(f"Payment {payment} belongs to another account.")
        if payment.status == Payment.Status.REVERSED:
            raise CorrectionError(f"Payment {payment} is already reversed.")
        if LedgerCorrection.objects.filter(payment=payment, status=LedgerCorrection.Status.REQUESTED).exists():
            raise CorrectionError(f"A reversal of payment {payment} is already waiting for approval.")
        return payment, payment.amount
    if kind not in (Kind.WRITE_OFF, Kind.INVOICE_VOID):
        raise CorrectionError(f"{kind!r} is not a ledger correction.")
    if invoice is None:
        raise CorrectionError("Choose the invoice.")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.customer_id != customer.pk:
        raise CorrectionError(f"Invoice {invoice} belongs to another account.")
    if invoice.status == Invoice.Status.VOID:
        raise CorrectionError(f"Invoice {invoice} is void.")
    if kind == Kind.WRITE_OFF:
        return invoice, _write_off_amount(invoice, amount)
    if invoice.open_amount != invoice.amount:
        raise CorrectionError(f"Cash, credit or a write-off is on invoice {invoice}: reverse it first, "
                              f"then void the invoice.")
    if LedgerCorrection.objects.filter(invoice=invoice, kind=Kind.INVOICE_VOID,
                                       status=LedgerCorrection.Status.REQUESTED).exists():
        raise CorrectionError(f"A void of invoice {invoice} is already waiting for approval.")
    return invoice, invoice.amount


def _note(correction: LedgerCorrection, *, subject: str, by: User, notes: str,
          invoices: list[Invoice] | None = None) -> None:
    if invoices is None:
        invoices = [correction.invoice] if correction.invoice else []
    activity_log(customer=correction.customer, kind=Activity.Kind.NOTE, by=by, subject=subject[:200], notes=notes,
                 invoices=invoices)


def _execute(correction: LedgerCorrection, *, by: User, on: date) -> LedgerCorrection:
    """Move the money through the ledger, then settle what depended on the invoices touched."""
    author = correction.requested_by
    payment, invoice = correction.payment, correction.invoice
    if payment is not None:  # a reversal (the row's constraint names a payment or an invoice)
        invoices = list(Invoice.objects.filter(pk__in=Application.objects.filter(
            payment=payment, amount__gt=0, reversed_by__isnull=True).values("invoice_id")).order_by("pk"))
        correction.payment = ledger.payment_reverse(payment=payment, reason=correction.reason, on=on, by=author)
    elif invoice is not None and correction.kind == Kind.WRITE_OFF:
        invoices = [invoice]
        correction.write_off = ledger.invoice_write_off(invoice=invoice, amount=correction.amount,
                                                        reason=correction.reason, on=on, by=author)
    elif correction.kind == Kind.DISPUTE_CREDIT and correction.dispute is not None:
        invoices = list(correction.dispute.invoices.order_by("due_date", "pk"))
        correction.dispute = dispute_credit_issue(dispute=correction.dispute, amount=correction.amount, by=author,
                                                  note=correction.reason, on=on)
    elif invoice is not None:
        invoices = [invoice]
        correction.invoice = ledger.invoice_void(invoice=invoice, reason=correction.reason, by=author)
    else:
        raise CorrectionError("A correction names the payment or the invoice it corrects.")
    correction.status, correction.executed_at = LedgerCorrection.Status.EXECUTED, timezone.now()
    correction.save()
    money_moved(invoice_ids=[i.pk for i in invoices], on=on)
    approved = f" (approved by {correction.decided_by.get_username()})" if correction.decided_by else ""
    _note(correction, subject=f"Ledger corrected: {correction.done}{approved}", by=by, notes=correction.reason,
          invoices=invoices)
    return correction


def correction_request(
    *, customer: Customer, kind: str, reason: str, by: User, payment: Payment | None = None,
    invoice: Invoice | None = None, amount: Decimal | str | None = None, on: date | None = None,
) -> LedgerCorrection:
    """A manager reverses a payment (a bounced cheque, a payment keyed twice), writes off (part of)
    an open invoice, or voids an invoice raised in error that nothing was applied to — always with
    a reason. Up to the asker's approval limit (per role, base currency) it is done at once; above
    it, it waits for a second manager or admin to approve it. Refused: a user who is not a manager or admin, a
    document of another account, a payment already reversed, a write-off of nothing, of less than
    nothing or of more than is open, a void of an invoice something was applied to, and a second
    request for a payment or void already waiting."""
    _corrector(by, "correct the ledger")
    reason = _reason(reason, "Say why the ledger is corrected.")
    on = on or timezone.localdate()
    with transaction.atomic():
        document, amount = _document(customer=customer, kind=kind, payment=payment, invoice=invoice, amount=amount)
        amount_base = amount_in_base(document, amount)
        waits = approval_required(by, amount_base)
        correction = LedgerCorrection(
            customer=customer, kind=kind, amount=amount, currency=document.currency, amount_base=amount_base,
            approval_required=waits, reason=reason, requested_by=by, requested_at=timezone.now(),
            status=LedgerCorrection.Status.REQUESTED,
            **({"payment": document} if kind == Kind.PAYMENT_REVERSAL else {"invoice": document}),
        )
        if not waits:
            return _execute(correction, by=by, on=on)
        correction.save()
        why = why_approval(by, amount_base, document.currency)
        _note(correction, subject=f"Correction requested: {correction.what} — waits for a second manager ({why})",
              by=by, notes=reason)
    return correction


def _decidable(correction: LedgerCorrection, by: User) -> LedgerCorrection:
    locked = (LedgerCorrection.objects.select_for_update(of=("self",))
              .select_related("customer", "payment", "invoice", "dispute", "requested_by").get(pk=correction.pk))
    if locked.status == LedgerCorrection.Status.EXECUTED:
        raise CorrectionError(f"This correction was already {'approved and ' if locked.decided_by_id else ''}"
                              f"executed on {date_format(timezone.localtime(locked.executed_at), 'DATETIME_FORMAT')}.")
    if locked.status == LedgerCorrection.Status.REJECTED:
        raise CorrectionError(f"This correction was already rejected on "
                              f"{date_format(timezone.localtime(locked.decided_at), 'DATETIME_FORMAT')}.")
    if locked.requested_by_id == by.pk:
        raise CorrectionError("You asked for this correction: another manager or admin decides it (four eyes).")
    return locked


def correction_approve(
    *, correction: LedgerCorrection, by: User, reason: str, on: date | None = None,
) -> LedgerCorrection:
    """A second manager or admin — never the one who asked — approves a correction waiting above
    the threshold, with a reason, and it is executed there and then. The ledger checks its bounds
    again: an invoice paid or voided meanwhile refuses the correction and nothing is written.
    Approving a correction already decided is refused, so nothing ever moves twice."""
    _corrector(by, "approve ledger corrections")
    reason = _reason(reason, "Say why you approve the correction.")
    on = on or timezone.localdate()
    with transaction.atomic():
        correction = _decidable(correction, by)
        correction.decided_by, correction.decided_at, correction.decision_reason = by, timezone.now(), reason
        _note(correction, subject=f"Correction approved: {correction.what}", by=by, notes=reason)
        return _execute(correction, by=by, on=on)


def correction_reject(*, correction: LedgerCorrection, by: User, reason: str) -> LedgerCorrection:
    """A second manager or admin — never the one who asked — rejects a correction waiting for
    approval, with a reason. Nothing moves on the ledger; the request stays as history."""
    _corrector(by, "reject ledger corrections")
    reason = _reason(reason, "Say why you reject the correction.")
    with transaction.atomic():
        correction = _decidable(correction, by)
        correction.status = LedgerCorrection.Status.REJECTED
        correction.decided_by, correction.decided_at, correction.decision_reason = by, timezone.now(), reason
        correction.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        _note(correction, subject=f"Correction rejected: {correction.what}", by=by, notes=reason)
    return correction
