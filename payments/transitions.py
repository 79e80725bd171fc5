"""A payment request's states, moved only forward by what its provider reports.

    open ─▶ pending ─▶ succeeded ─▶ partially_refunded ─▶ refunded
      │        │           └──────────▶ disputed (chargeback)
      ├────────┴─▶ failed
      └─▶ expired

`apply_reading` runs with the request locked (select_for_update) inside the webhook's
transaction. A reading that repeats the state the request is in is a duplicate; one that would
move it backwards (pending after succeeded: events arrive out of order) is ignored; one that
contradicts it (money for an expired checkout, another amount, another customer's invoices) is
refused, never posted, and a contradiction that may mean money was taken raises a collector task.
"""

import logging
from decimal import Decimal

from django.utils import timezone

from core.money import ZERO
from ledger.models import Customer, Invoice, Payment
from ledger.services import LedgerError, Receipt, invoices_lock, payment_reverse, payments_receive
from payments import signals
from payments.events import DISPUTED, EXPIRED, FAILED, PENDING, REFUNDED, SUCCEEDED, Reading
from payments.models import PaymentRequest, SavedMethod, WebhookEvent
from payments.providers.base import Provider, ProviderError
from work.models import Activity, QueueTask
from work.services import activity_log, queue_task_raise
from work.settlement import money_moved

log = logging.getLogger(__name__)
S = PaymentRequest.Status
APPLIED, DUPLICATE, IGNORED = WebhookEvent.Outcome.APPLIED, WebhookEvent.Outcome.DUPLICATE, WebhookEvent.Outcome.IGNORED
PAID = (S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.REFUNDED, S.DISPUTED)
CLOSED_UNPAID = (S.FAILED, S.EXPIRED, S.CANCELLED)


class Refused(Exception):
    def __init__(self, message: str, request: PaymentRequest | None = None):
        super().__init__(message)
        self.request = request


def _task(request: PaymentRequest, title: str, detail: str, key: str) -> None:
    queue_task_raise(customer=request.customer, kind=QueueTask.Kind.PAYMENT, title=title[:200], detail=detail,
                     key=f"payments:{request.pk}:{key}")


def _note(request: PaymentRequest, subject: str, notes: str = "") -> None:
    """On the account's timeline, as a system message: what the customer did online."""
    activity_log(customer=request.customer, kind=Activity.Kind.SYSTEM, subject=subject[:200], notes=notes,
                 invoices=[line.invoice_id for line in request.lines.all()])


def _check(request: PaymentRequest, read: Reading) -> None:
    """The event must be about exactly this request: its customer, its invoices, its checkout, and,
    when it reports money, its amount and currency."""
    if read.customer_id and read.customer_id != str(request.customer_id):
        raise Refused("The event names another customer than the request's.", request)
    if read.invoice_ids:
        ours = ",".join(str(pk) for pk in sorted(line.invoice_id for line in request.lines.all()))
        if read.invoice_ids != ours:
            raise Refused(f"The event names invoices {read.invoice_ids}, the request {ours}.", request)
    if read.session_ref and request.kind == PaymentRequest.Kind.CHECKOUT and request.provider_ref \
            and read.session_ref != request.provider_ref:
        raise Refused(f"The event is about checkout {read.session_ref}, the request is {request.provider_ref}.",
                      request)
    if read.says in (SUCCEEDED, PENDING):
        if read.currency and read.currency != request.currency:
            raise Refused(f"The event is in {read.currency}, the request in {request.currency}.", request)
        if read.amount is not None and read.amount != request.amount:
            raise Refused(f"The event reports {read.amount}, the request asked {request.amount}.", request)
        if read.amount is None or not read.currency:
            raise Refused("The event reports no amount and currency.", request)


def apply_reading(request: PaymentRequest, read: Reading) -> tuple[str, str]:
    """Move the locked `request` as `read` says. Returns (outcome, detail); raises Refused."""
    _check(request, read)
    if read.payment_intent and not request.payment_intent_ref:
        request.payment_intent_ref = read.payment_intent
        if read.says != SUCCEEDED or request.status in PAID + CLOSED_UNPAID:
            request.save(update_fields=["payment_intent_ref", "updated_at"])
        # else `_succeeded` posts the payment and saves the reference with the request's new state
    if read.says == SUCCEEDED:
        return _succeeded(request, read)
    if read.says == PENDING:
        return _pending(request)
    if read.says == FAILED:
        return _failed(request, read)
    if read.says == EXPIRED:
        return _expired(request)
    if read.says == REFUNDED:
        return _refunded(request, read)
    if read.says == DISPUTED:
        return _disputed(request, read)
    return IGNORED, f"Nothing to do for {read.says}."


def _succeeded(request: PaymentRequest, read: Reading) -> tuple[str, str]:
    if request.status in PAID:
        return DUPLICATE, f"Already posted as {request.payment}."
    if request.status in CLOSED_UNPAID:
        _task(request, f"Online payment reported after the request was {request.status}",
              f"The provider reports {request.amount:,.2f} {request.currency} paid on request {request.pk} "
              f"({request.provider_ref}), which had {request.status}. Nothing was posted: check the provider's "
              "dashboard and refund the customer or post the payment by hand.", "late-success")
        raise Refused(f"The request is {request.status}; a late success is not posted.", request)
    payment, short, numbers = _post(request)
    request.status, request.payment, request.settled_at = S.SUCCEEDED, payment, timezone.now()
    request.failure_reason = ""
    request.save(update_fields=["status", "payment", "settled_at", "failure_reason", "payment_intent_ref",
                                "updated_at"])
    invoices = ", ".join(numbers)
    surcharge = (f" A card surcharge of {request.surcharge_amount:,.2f} was paid on top (not a receivable)."
                 if request.surcharge_amount else "")
    _note(request, f"Paid online: {request.amount:,.2f} {request.currency} ({payment.external_id})",
          f"For {invoices}." + surcharge
          + (f" {payment.unapplied_amount:,.2f} left as unapplied cash." if short else ""))
    if short:
        _task(request, "Unapplied cash from an online payment",
              f"{payment.external_id} paid {request.amount:,.2f} {request.currency} for {invoices}, but "
              f"{', '.join(short)} had been paid meanwhile: {payment.unapplied_amount:,.2f} is unapplied cash. "
              "Apply it to another invoice or refund it.", "unapplied")
    signals.send_on_commit(signals.payment_succeeded, request=request)
    return APPLIED, f"Posted {payment.external_id}."


def _post(request: PaymentRequest, *, amount: Decimal | None = None,
          suffix: str = "") -> tuple[Payment, list[str], list[str]]:
    """One ledger payment for the request, applied to its lines as far as each invoice is still open
    (another tab may have paid it meanwhile): what cannot be applied stays unapplied cash, never a
    negative open amount. `amount` below the request's (a partial refund's kept part) is applied to
    the lines in order. Returns the payment, the invoices paid meanwhile and every line's invoice
    number."""
    amount = request.amount - request.surcharge_amount if amount is None else amount
    lines = list(request.lines.all())
    fresh = invoices_lock(line.invoice_id for line in lines)  # read once: the ledger posts from the same rows
    applications, short, left = [], [], amount
    for line in lines:
        invoice = fresh[line.invoice_id]
        can = min(line.amount, invoice.open_amount if invoice.status == Invoice.Status.OPEN else ZERO, left)
        if can < line.amount and left >= line.amount:
            short.append(invoice.external_id)
        if can > 0:
            applications.append((invoice, can))
            left -= can
    [payment] = payments_receive([Receipt(  # the bulk service: the same checks, a third of the queries
        customer=request.customer, external_id=f"{request.external_id}{suffix}", received_date=timezone.localdate(),
        amount=amount, currency=request.currency, applications=applications,
        reference=request.payment_intent_ref or request.provider_ref, source=Payment.Source.ONLINE,
    )], locked=fresh)
    money_moved(invoice_ids=[line.invoice_id for line in lines])
    return payment, short, [fresh[line.invoice_id].external_id for line in lines]


def _pending(request: PaymentRequest) -> tuple[str, str]:
    if request.status == S.PENDING:
        return DUPLICATE, "Already pending."
    if request.status != S.OPEN:
        return IGNORED, f"The request is already {request.status}: a pending report is older news."
    request.status = S.PENDING
    request.save(update_fields=["status", "updated_at"])
    _note(request, f"Online payment of {request.amount:,.2f} {request.currency} clearing",
          "Dunning of its invoices waits until it clears or fails.")
    signals.send_on_commit(signals.payment_pending, request=request)
    return APPLIED, "Pending: its invoices wait for the money to clear."


def _failed(request: PaymentRequest, read: Reading) -> tuple[str, str]:
    if read.from_checkout_only and request.kind == PaymentRequest.Kind.CHECKOUT and request.status == S.OPEN:
        return IGNORED, f"An attempt failed ({read.reason}); the customer can try again in the open checkout."
    if request.status == S.FAILED:
        return DUPLICATE, "Already failed."
    if request.status not in (S.OPEN, S.PENDING):
        return IGNORED, f"The request is already {request.status}: a failure report is older news."
    request.status, request.failure_reason = S.FAILED, (read.reason or "The payment failed.")[:300]
    request.save(update_fields=["status", "failure_reason", "updated_at"])
    _note(request, f"Online payment of {request.amount:,.2f} {request.currency} failed", request.failure_reason)
    signals.send_on_commit(signals.payment_failed, request=request)
    return APPLIED, f"Failed: {request.failure_reason}"


def _expired(request: PaymentRequest) -> tuple[str, str]:
    if request.status == S.EXPIRED:
        return DUPLICATE, "Already expired."
    if request.status != S.OPEN:
        return IGNORED, f"The request is {request.status}; an expiry changes nothing."
    request.status = S.EXPIRED
    request.save(update_fields=["status", "updated_at"])
    return APPLIED, "Expired unpaid."


def _refunded(request: PaymentRequest, read: Reading) -> tuple[str, str]:
    """`read.amount` is what the provider has refunded on the charge in all, so a replayed or
    reordered refund event is recognised by its total."""
    if request.status not in (S.SUCCEEDED, S.PARTIALLY_REFUNDED):
        if request.status in (S.REFUNDED, S.DISPUTED):
            return DUPLICATE, f"The payment is already {request.status}."
        raise Refused(f"A refund of a request that is {request.status}: nothing was posted to refund.", request)
    if read.currency and read.currency != request.currency:
        raise Refused(f"The refund is in {read.currency}, the request in {request.currency}.", request)
    total = read.amount
    if total is None or total > request.amount:
        raise Refused(f"A refund of {total} on a payment of {request.amount}.", request)
    if total <= request.refunded_amount:
        return DUPLICATE, f"{request.refunded_amount:,.2f} already refunded."
    refund = total - request.refunded_amount
    kept = _kept(request, total)
    if kept != _kept(request, request.refunded_amount):  # else only a card surcharge went back: no ledger change
        _reverse(request, f"Refunded online ({total:,.2f} of {request.amount:,.2f})", kept, suffix=f"-R{total:.2f}")
    request.refunded_amount = total
    request.status = S.REFUNDED if total == request.amount else S.PARTIALLY_REFUNDED
    request.save(update_fields=["refunded_amount", "status", "payment", "updated_at"])
    _note(request, f"Online payment refunded: {refund:,.2f} {request.currency}",
          f"{total:,.2f} of {request.amount:,.2f} refunded in all.")
    _task(request, f"Online payment refunded: {refund:,.2f} {request.currency}",
          f"{request.external_id}: {total:,.2f} of {request.amount:,.2f} refunded in all; its invoices are open "
          "again for what was refunded.", f"refund-{total}")
    signals.send_on_commit(signals.payment_reversed, request=request)
    return APPLIED, f"Refunded {refund:,.2f}; {kept:,.2f} kept."


def _disputed(request: PaymentRequest, read: Reading) -> tuple[str, str]:
    """A chargeback takes the disputed amount back at once (the bank debits it while the dispute
    runs), so the ledger reverses it now; winning the dispute is posted again by the collector."""
    if request.status == S.DISPUTED:
        return DUPLICATE, "Already disputed."
    if request.status not in (S.SUCCEEDED, S.PARTIALLY_REFUNDED):
        raise Refused(f"A chargeback on a request that is {request.status}.", request)
    left = request.amount - request.refunded_amount
    disputed = min(read.amount if read.amount is not None else left, left)
    kept = _kept(request, request.refunded_amount + disputed)
    if kept != _kept(request, request.refunded_amount):  # else only a card surcharge is disputed
        _reverse(request, f"Chargeback: {read.reason}", kept, suffix="-D")
    request.status = S.DISPUTED
    request.save(update_fields=["status", "payment", "updated_at"])
    _note(request, f"Chargeback on an online payment: {disputed:,.2f} {request.currency}", read.reason)
    _task(request, f"Chargeback: {disputed:,.2f} {request.currency} ({read.reason})",
          f"The customer's bank disputes {request.external_id}; the amount was taken back and its invoices are "
          "open again. Answer the dispute in the provider's dashboard.", "dispute")
    signals.send_on_commit(signals.payment_reversed, request=request)
    return APPLIED, f"Chargeback of {disputed:,.2f} reversed."


def _kept(request: PaymentRequest, taken_back: Decimal) -> Decimal:
    """What stays paid on the invoices once `taken_back` of the request (refunds, a chargeback) went
    back: it comes off the invoices' part first; a card surcharge goes back only with all of it."""
    return max(ZERO, request.amount - request.surcharge_amount - taken_back)


def _reverse(request: PaymentRequest, reason: str, kept: Decimal, *, suffix: str) -> None:
    """Take money back: the posted payment is reversed whole (every application undone) and what
    the customer keeps paid, if anything, is posted again as a new payment on the same invoices.
    Two plain ledger movements, so check_ledger stays clean and the history shows both."""
    if request.payment is None or request.payment.status != Payment.Status.POSTED:
        raise Refused(f"{request.external_id} is not posted in the ledger (reversed by hand?): nothing to reverse.",
                      request)
    try:
        payment_reverse(payment=request.payment, reason=reason[:200])
    except LedgerError as error:
        raise Refused(str(error), request) from None
    if kept > 0:
        request.payment, _, _ = _post(request, amount=kept, suffix=suffix)
    else:
        money_moved(invoice_ids=[line.invoice_id for line in request.lines.all()])


def method_save(gateway: Provider, read: Reading) -> SavedMethod:
    """A setup succeeded: the method is kept for off-session charges (once per provider method)."""
    customer = Customer.objects.filter(pk=read.customer_id).first() if read.customer_id.isdigit() else None
    if customer is None or not read.method_ref:
        raise Refused("A setup event without one of our customers or a payment method.")
    existing = SavedMethod.objects.filter(provider=gateway.name, provider_method_ref=read.method_ref).first()
    if existing:
        if existing.customer_id != customer.pk:
            raise Refused("This payment method is saved for another customer.")
        return existing
    try:
        kind, label = gateway.method_describe(read.method_ref)
    except ProviderError as error:
        raise Refused(f"The saved method cannot be used: {error}") from None
    method = SavedMethod.objects.create(customer=customer, provider=gateway.name,
                                        provider_customer_ref=read.provider_customer_ref,
                                        provider_method_ref=read.method_ref, kind=kind, label=label)
    signals.send_on_commit(signals.method_saved, method=method, customer=customer)
    return method
