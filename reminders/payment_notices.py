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
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext

from core.money import ZERO
from payments.models import PaymentRequest, PaymentRequestLine
from reminders import languages, rendering
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


def notice_language(customer: object, contact: object) -> str:
    """Receipts and payment notices are written in the recipient's language (reminders.languages),
    their fixed wording from the catalogs under locale/."""
    return languages.layout_language(languages.wanted_language(customer, contact))


def _paid_table(request: PaymentRequest, lines: list[PaymentRequestLine], language: str, country: str) -> str:
    heads = (gettext("Invoice"), gettext("Paid"), gettext("Still open"))
    rows = [f"{heads[0]:<16}{heads[1]:>20}{heads[2]:>20}"]
    for line in lines:
        open_amount, currency = line.invoice.open_amount, line.invoice.currency
        still = rendering.money(open_amount, currency, language, country) if open_amount else "—"
        paid = rendering.money(line.amount, request.currency, language, country)
        rows.append(f"{line.invoice.external_id:<16}{paid:>20}{still:>20}")
    return "\n".join(rows)


def receipt_body(request: PaymentRequest, lines: list[PaymentRequestLine], ctx: dict[str, Any]) -> str:
    """The receipt's text, in the context's language (call inside translation.override of it)."""
    language, country = ctx["language"], getattr(request.customer, "country", "") or ""
    payment = request.payment
    on = timezone.localdate(request.settled_at) if request.settled_at else timezone.localdate()
    reference = payment.external_id if payment is not None else request.external_id

    def money(amount: Decimal) -> str:
        return rendering.money(amount, request.currency, language, country)

    parts = [
        gettext("Dear %(name)s,") % {"name": ctx["contact_name"]},
        gettext("Thank you: we received your payment of %(amount)s on %(date)s (reference %(reference)s).") % {
            "amount": money(request.amount), "date": languages.day(on, language, country), "reference": reference},
        _paid_table(request, lines, language, country),
    ]
    if request.surcharge_amount > ZERO:
        parts.append(gettext("It includes the card surcharge of %(amount)s; your invoices were paid with the rest.")
                     % {"amount": money(request.surcharge_amount)})
    left = payment.unapplied_amount if payment is not None else ZERO
    if left > ZERO:
        parts.append(gettext("%(amount)s of it was more than was still open on these invoices (one was paid "
                             "meanwhile). We keep it as a credit on your account and apply it to your next invoice, "
                             "or refund it if you prefer: just reply to this email.") % {"amount": money(left)})
    parts += [gettext("Your account, with every invoice and payment: %(link)s") % {"link": ctx["portal_link"]},
              ctx["sign_off"]]
    return "\n\n".join(parts) + "\n"


def receipt_send(*, request: PaymentRequest) -> OutboundMessage | None:
    """Queue the receipt of a posted online payment to the customer's reminder contact, once, in
    their language. A customer we do not email (paper, no address) gets none; the timeline shows
    the payment."""
    customer = request.customer
    contact = dunning_recipients([customer.pk]).get(customer.pk)
    if contact is None:
        log.info("payments: no receipt for request %s: customer %s has no email contact", request.pk, customer.pk)
        return None
    lines = list(request.lines.select_related("invoice"))
    key = receipt_key(request)
    language = notice_language(customer, contact)
    ctx = rendering.context_for(customer=customer, contact=contact, lines=[], key=key, language=language)
    with translation.override(language):
        amount = rendering.money(request.amount, request.currency, language, getattr(customer, "country", "") or "")
        subject = gettext("Payment received — thank you (%(amount)s)") % {"amount": amount}
        made = rendering.message_parts(subject, receipt_body(request, lines, ctx), ctx)  # --- html ---
    message, _ = message_queue(customer=customer, kind=KIND, key=key, contact=contact, subject=subject,
                               body=made.body, invoices=[line.invoice for line in lines],
                               html_body=made.html_body, language=made.language)
    return message


def failure_body(request: PaymentRequest, ctx: dict[str, Any]) -> str:
    """The failure notice's text, in the context's language (call inside translation.override of it)."""
    amount = rendering.money(request.amount, request.currency, ctx["language"],
                             getattr(request.customer, "country", "") or "")
    reason = (" " + gettext("The bank said: %(reason)s.") % {"reason": request.failure_reason}
              if request.failure_reason else "")
    return "\n\n".join([
        gettext("Dear %(name)s,") % {"name": ctx["contact_name"]},
        gettext("Your payment of %(amount)s (reference %(reference)s) did not go through after all.") % {
            "amount": amount, "reference": request.external_id}
        + reason + " " + gettext("Nothing was taken from your account."),
        gettext("These invoices are open again:"), ctx["invoice_table"],
        *([gettext("Pay them online: %(link)s") % {"link": ctx["pay_url"]}] if ctx["pay_url"] else []),
        gettext("Your account: %(link)s") % {"link": ctx["portal_link"]}, ctx["sign_off"],
    ]) + "\n"


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
    language = notice_language(customer, contact)
    ctx = rendering.context_for(customer=customer, contact=contact, key=key, language=language,
                                lines=rendering.lines_for(invoices, timezone.localdate()))
    with translation.override(language):
        subject = (gettext("Your payment did not go through — %(customer)s") % {"customer": customer.name})[:250]
        made = rendering.message_parts(subject, failure_body(request, ctx), ctx)  # --- html ---
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
