"""The customer's email after an online payment: a receipt once the money is posted, and a notice
when a payment that was on its way (a bank transfer or direct debit still clearing) fails after all.

One receipt per payment request, whatever started it (the portal, a reminder's or a statement's Pay
button, an autopay charge): the outbox key `receipt:<request key>` makes a second signal, a
replayed webhook or a retried task find the message already there. Autopay's own emails (the
announcement before a charge, the notice of a failed charge) are autopay's
(reminders.autopay_notices); this module sends no failure notice for an autopay charge. A checkout
declined while the customer is on the payment page gets no email either: the page told them.
"""

import logging
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format

from core.money import ZERO
from payments.models import PaymentRequest, PaymentRequestLine
from reminders import rendering
from reminders.models import OutboundMessage
from reminders.outbox import message_queue
from reminders.recipients import dunning_recipients

log = logging.getLogger(__name__)

# The outbox kind of receipts and payment notices.
KIND = OutboundMessage.Kind.RECEIPT


def receipt_key(request: PaymentRequest) -> str:
    return f"receipt:{request.key}"


def failure_key(request: PaymentRequest) -> str:
    return f"payment-failed:{request.key}"


def _paid_table(request: PaymentRequest, lines: list[PaymentRequestLine]) -> str:
    rows = [f"{'Invoice':<16}{'Paid':>20}{'Still open':>20}"]
    for line in lines:
        still = rendering.money(line.invoice.open_amount, line.invoice.currency) if line.invoice.open_amount else "—"
        rows.append(f"{line.invoice.external_id:<16}{rendering.money(line.amount, request.currency):>20}{still:>20}")
    return "\n".join(rows)


def receipt_body(request: PaymentRequest, lines: list[PaymentRequestLine], ctx: dict[str, Any]) -> str:
    payment = request.payment
    day = timezone.localdate(request.settled_at) if request.settled_at else timezone.localdate()
    reference = payment.external_id if payment is not None else request.external_id
    parts = [
        f"Dear {ctx['contact_name']},",
        f"Thank you: we received your payment of {rendering.money(request.amount, request.currency)} on "
        f"{date_format(day)} (reference {reference}).",
        _paid_table(request, lines),
    ]
    if request.surcharge_amount > ZERO:
        parts.append(f"It includes the card surcharge of {rendering.money(request.surcharge_amount, request.currency)}"
                     "; your invoices were paid with the rest.")
    left = payment.unapplied_amount if payment is not None else ZERO
    if left > ZERO:
        parts.append(f"{rendering.money(left, request.currency)} of it was more than was still open on these "
                     "invoices (one was paid meanwhile). We keep it as a credit on your account and apply it to "
                     "your next invoice, or refund it if you prefer: just reply to this email.")
    parts += [f"Your account, with every invoice and payment: {ctx['portal_link']}", ctx["sign_off"]]
    return "\n\n".join(parts) + "\n"


def receipt_send(*, request: PaymentRequest) -> OutboundMessage | None:
    """Queue the receipt of a posted online payment to the customer's reminder contact, once.
    A customer we do not email (paper, no address) gets none; the timeline shows the payment."""
    customer = request.customer
    contact = dunning_recipients([customer.pk]).get(customer.pk)
    if contact is None:
        log.info("payments: no receipt for request %s: customer %s has no email contact", request.pk, customer.pk)
        return None
    lines = list(request.lines.select_related("invoice"))
    key = receipt_key(request)
    ctx = rendering.context_for(customer=customer, contact=contact, lines=[], key=key, language="en")  # English text
    subject = f"Payment received — thank you ({rendering.money(request.amount, request.currency)})"
    made = rendering.message_parts(subject, receipt_body(request, lines, ctx), ctx)  # --- html ---
    message, _ = message_queue(customer=customer, kind=KIND, key=key, contact=contact, subject=subject,
                               body=made.body, invoices=[line.invoice for line in lines],
                               html_body=made.html_body, language=made.language)
    return message


def failure_notice_send(*, request: PaymentRequest) -> OutboundMessage | None:
    """Queue the notice that a payment on its way failed: the invoices are open again, and so are
    our reminders for them. Only for a checkout that was pending (autopay tells of its own charges)."""
    if request.origin == PaymentRequest.Origin.AUTOPAY or request.status != PaymentRequest.Status.FAILED:
        return None
    customer = request.customer
    contact = dunning_recipients([customer.pk]).get(customer.pk)
    if contact is None:
        return None
    lines = list(request.lines.select_related("invoice"))
    key = failure_key(request)
    invoices = [line.invoice for line in lines]
    ctx = rendering.context_for(customer=customer, contact=contact, key=key, language="en",  # English text
                                lines=rendering.lines_for(invoices, timezone.localdate()))
    reason = f" The bank said: {request.failure_reason}." if request.failure_reason else ""
    body = "\n\n".join([
        f"Dear {ctx['contact_name']},",
        f"Your payment of {rendering.money(request.amount, request.currency)} (reference {request.external_id}) "
        f"did not go through after all.{reason} Nothing was taken from your account.",
        "These invoices are open again:", ctx["invoice_table"],
        *([f"Pay them online: {ctx['pay_url']}"] if ctx["pay_url"] else []),
        f"Your account: {ctx['portal_link']}", ctx["sign_off"],
    ]) + "\n"
    subject = f"Your payment did not go through — {customer.name}"[:250]
    made = rendering.message_parts(subject, body, ctx)  # --- html ---
    message, _ = message_queue(customer=customer, kind=KIND, key=key, contact=contact, subject=subject,
                               body=made.body, invoices=invoices, html_body=made.html_body, language=made.language)
    return message


def on_payment_succeeded(sender: object, request: PaymentRequest, **kwargs: Any) -> None:
    receipt_send(request=request)


def on_payment_failed(sender: object, request: PaymentRequest, **kwargs: Any) -> None:
    if failed_after_pending(request, kwargs):
        failure_notice_send(request=request)


def failed_after_pending(request: PaymentRequest, signal_kwargs: dict[str, Any]) -> bool:
    """Was the money on its way before it failed? (A card declined on the payment page was not.)
    The signal may say what the request was before; without it, a checkout's failure counts:
    payments signals none while the customer is still on the payment page (a decline there is
    theirs to retry), only once the checkout was completed and the money later failed to arrive."""
    previous = signal_kwargs.get("previous_status")
    if previous is not None:
        return previous == PaymentRequest.Status.PENDING
    return request.kind == PaymentRequest.Kind.CHECKOUT
