"""Writes of online payments: start a checkout or an off-session charge, take in the provider's
webhooks, refund.

Money moves only on a provider's word, through `ledger.services`: a verified event that says a
request succeeded posts one ledger Payment (`ONL-<request id>`, source online) applied to the
request's invoices, then `work.settlement.money_moved`, in one transaction. Exactly once: the
`WebhookEvent` row (unique per provider and event id) stops a replayed event, and the request,
locked while an event is applied, only moves forward through its states (`transitions.py`), so a
second event saying the same thing, or an old one arriving late, changes nothing.
"""

import logging
import uuid
from decimal import ROUND_HALF_UP, Decimal
from types import EllipsisType

from babel.numbers import format_decimal
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from core.money import CENT, MAX_AMOUNT, ZERO
from ledger.models import Customer, Invoice
from payments.events import NOTHING, Reading, reading
from payments.models import (
    CustomerPaymentSettings,
    MethodKind,
    PaymentRequest,
    SavedMethod,
    WebhookEvent,
)
from payments.providers import provider as provider_for
from payments.providers.base import ProviderError, WebhookRefused
from payments.transitions import Refused, apply_reading, method_save

log = logging.getLogger(__name__)

__all__ = ["PaymentError", "WebhookRefused", "checkout_start", "lines_oldest_first", "setup_start",
           "charge_saved_method", "webhook_receive", "request_refund", "METHODS"]

# What a checkout can offer: the saved-method kinds and a plain bank transfer.
METHODS = [*MethodKind.values, "bank_transfer"]
# Debits exist in one currency each: a SEPA mandate collects euros, an ACH debit dollars.
METHOD_CURRENCIES: dict[str, set[str]] = {MethodKind.SEPA_DEBIT: {"EUR"}, MethodKind.US_BANK_ACCOUNT: {"USD"}}
Lines = list[tuple[Invoice, Decimal]]


class PaymentError(ValidationError):
    """A payment cannot be started or refunded; the message is for the user."""


def figure(amount: Decimal) -> str:
    """An amount as the active language writes it (1,234.50; 1 234,50; 1.234,50), for a message."""
    return format_decimal(amount, format="#,##0.00", locale=to_locale(get_language() or "en"))


def _not_theirs(invoice: Invoice, customer: Customer) -> str:
    return _("Invoice %(invoice)s is not an invoice of %(customer)s.") % {"invoice": invoice, "customer": customer.name}


def _amount(value: object, what: str) -> Decimal:
    try:
        amount = Decimal(str(value)) if not isinstance(value, float) else Decimal("NaN")
    except (ArithmeticError, TypeError, ValueError):
        raise PaymentError(_("%(what)s must be an amount, such as 250.00.") % {"what": what}) from None
    if not amount.is_finite() or amount <= 0:
        raise PaymentError(_("%(what)s must be positive.") % {"what": what})
    if amount != amount.quantize(CENT) or amount > MAX_AMOUNT:
        raise PaymentError(_("%(what)s of %(amount)s is not an amount we can take.") % {"what": what, "amount": amount})
    return amount.quantize(CENT)


def _checked_lines(customer: Customer, lines: Lines) -> tuple[Lines, str]:
    """The lines as they stand in the ledger now, locked: each invoice the customer's (or its
    family's), open, not on a payment still clearing, paid at most its open amount; one currency."""
    if not lines:
        raise PaymentError(_("Choose at least one invoice to pay."))
    ids = [invoice.pk for invoice, _ in lines]
    if len(set(ids)) != len(ids):
        raise PaymentError(_("An invoice is listed twice."))
    current = {i.pk: i for i in Invoice.objects.select_for_update(of=("self",)).select_related(
        "customer").filter(pk__in=ids)}
    clearing = set(PaymentRequest.objects.filter(
        status=PaymentRequest.Status.PENDING, lines__invoice_id__in=ids).values_list("lines__invoice_id", flat=True))
    family = customer.family_top_pk
    checked: Lines = []
    for invoice, amount in lines:
        fresh = current.get(invoice.pk)
        if fresh is None or fresh.customer.family_top_pk != family:
            raise PaymentError(_not_theirs(invoice, customer))
        if fresh.status != Invoice.Status.OPEN or fresh.open_amount <= 0:
            raise PaymentError(_("Invoice %(invoice)s is already paid.") % {"invoice": fresh})
        if fresh.pk in clearing:
            raise PaymentError(_("A payment of invoice %(invoice)s is still clearing; it cannot be paid again until "
                                 "it settles.") % {"invoice": fresh})
        amount = _amount(amount, _("The amount for invoice %(invoice)s") % {"invoice": fresh})
        if amount > fresh.open_amount:
            raise PaymentError(_("%(amount)s is more than the %(open)s open on invoice %(invoice)s.") % {
                "amount": figure(amount), "open": figure(fresh.open_amount), "invoice": fresh})
        checked.append((fresh, amount))
    currencies = {invoice.currency for invoice, _ in checked}
    if len(currencies) > 1:
        raise PaymentError(_("Invoices in different currencies are paid separately: %(currencies)s.") % {
            "currencies": ", ".join(sorted(currencies))})
    return checked, currencies.pop()


def payment_settings(customer: Customer) -> CustomerPaymentSettings | None:
    """The customer's payment settings (its family top's), if any were set."""
    return CustomerPaymentSettings.objects.filter(customer=customer.family_head).first()


def methods_for(customer: Customer, amount: Decimal,
                settings: CustomerPaymentSettings | None | EllipsisType = ...) -> list[str]:
    """The methods a checkout of `amount` offers this customer: all of METHODS, or those allowed in
    their payment settings (read here unless given), in the account's currency; no card above the
    card limit."""
    if settings is ...:
        settings = payment_settings(customer)
    methods = [m for m in METHODS if not settings or not settings.methods_allowed or m in settings.methods_allowed]
    methods = [m for m in methods if customer.currency in METHOD_CURRENCIES.get(m, {customer.currency})]
    if settings and settings.card_max_amount is not None and amount > settings.card_max_amount:
        methods = [m for m in methods if m != MethodKind.CARD]
    return methods


def card_surcharge_percent(settings: CustomerPaymentSettings | None) -> Decimal:
    """The card surcharge in percent a customer's payment settings ask for (0: none)."""
    return (settings.card_surcharge_percent or ZERO) if settings else ZERO


def card_surcharge(percent: Decimal, amount: Decimal) -> Decimal:
    """The surcharge on `amount` paid by card: `percent` of it, to the cent, halves up."""
    return (amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


# How the customer chose to pay, when a card surcharge makes it matter (the portal asks first).
BY_CARD, NOT_BY_CARD, ANY_METHOD = "card", "other", ""


def _request_create(*, customer: Customer, key: str, kind: str, provider: str, lines: Lines, amount: Decimal,
                    currency: str, origin: str, surcharge: Decimal = ZERO) -> PaymentRequest:
    if origin not in PaymentRequest.Origin.values:
        raise PaymentError(f"{origin!r} is not where a payment can come from.")
    request = PaymentRequest.objects.create(key=key, kind=kind, customer=customer, provider=provider,
                                            amount=amount + surcharge, surcharge_amount=surcharge, currency=currency,
                                            origin=origin)
    request.lines.bulk_create([request.lines.model(request=request, invoice=invoice, amount=line_amount)
                               for invoice, line_amount in lines])
    return request


def checkout_start(*, customer: Customer, lines: Lines, amount: Decimal | None = None, origin: str,
                   success_url: str, cancel_url: str, method: str = ANY_METHOD) -> tuple[PaymentRequest, str]:
    """A checkout for exactly these invoice amounts (plus, when `amount` is larger than their sum,
    the rest as cash on account). The request is committed before the provider is called, so the
    provider's events always find it; a failed provider call cancels it. When the customer's
    settings put a surcharge on cards, `method` says whether they pay by card (the checkout offers
    only cards and adds the surcharge) or not (no card offered); the ledger never sees the surcharge."""
    gateway = provider_for()
    with transaction.atomic():
        checked, currency = _checked_lines(customer, lines)
        total = sum((line_amount for _, line_amount in checked), ZERO)
        amount = total if amount is None else _amount(amount, _("The amount to pay"))
        if amount < total:
            raise PaymentError(_("%(amount)s is less than the %(total)s chosen on the invoices.") % {
                "amount": figure(amount), "total": figure(total)})
        methods, surcharge = _methods_chosen(customer, amount, method)
        if not methods and method == BY_CARD:
            raise PaymentError(_("Cards are not taken online for %(amount)s %(currency)s; please choose another way "
                                 "to pay.") % {"amount": figure(amount), "currency": currency})
        if not methods:
            raise PaymentError(_("No payment method is available online for %(amount)s %(currency)s; please contact "
                                 "us to pay.") % {"amount": figure(amount), "currency": currency})
        request = _request_create(customer=customer, key=f"checkout:{uuid.uuid4()}", kind=PaymentRequest.Kind.CHECKOUT,
                                  provider=gateway.name, lines=checked, amount=amount, currency=currency, origin=origin,
                                  surcharge=surcharge)
    try:
        started = gateway.checkout_create(request, success_url=success_url, cancel_url=cancel_url, methods=methods)
    except ProviderError as error:
        PaymentRequest.objects.filter(pk=request.pk).update(status=PaymentRequest.Status.CANCELLED,
                                                            failure_reason=str(error)[:300])
        raise PaymentError(_("The payment could not be started: %(error)s") % {"error": error}) from None
    PaymentRequest.objects.filter(pk=request.pk).update(provider_ref=started.provider_ref)
    request.provider_ref = started.provider_ref
    return request, started.redirect_url


def _methods_chosen(customer: Customer, amount: Decimal, method: str) -> tuple[list[str], Decimal]:
    """The methods the checkout offers and the surcharge on it, from how the customer chose to pay."""
    if method not in (BY_CARD, NOT_BY_CARD, ANY_METHOD):
        raise PaymentError(_("%(method)r is not a way to pay: choose card or another method.") % {"method": method})
    settings = payment_settings(customer)
    methods, percent = methods_for(customer, amount, settings), card_surcharge_percent(settings)
    if method == BY_CARD:
        cards = [m for m in methods if m == MethodKind.CARD]
        return cards, card_surcharge(percent, amount) if cards else ZERO
    if method == NOT_BY_CARD or (percent > 0 and MethodKind.CARD in methods):
        # A surcharge on cards: a checkout that did not ask for one offers no card (never one without it).
        return [m for m in methods if m != MethodKind.CARD], ZERO
    return methods, ZERO


def lines_oldest_first(*, customer: Customer, invoices: list[Invoice], amount: Decimal) -> Lines:
    """A partial amount pays the oldest due invoices first, each up to its open amount. What is
    more than they owe in all is not allocated (the caller's amount keeps it as cash on account)."""
    left = _amount(amount, _("The amount to pay"))
    family = customer.family_top_pk
    allocated: Lines = []
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.pk)):
        if invoice.customer.family_top_pk != family:
            raise PaymentError(_not_theirs(invoice, customer))
        if left <= 0 or invoice.status != Invoice.Status.OPEN or invoice.open_amount <= 0:
            continue
        share = min(left, invoice.open_amount)
        allocated.append((invoice, share))
        left -= share
    if not allocated:
        raise PaymentError(_("None of these invoices is open."))
    return allocated


def setup_start(*, customer: Customer, kinds: list[str], success_url: str, cancel_url: str) -> str:
    """Send the customer to save a card or a debit mandate; `method_saved` follows its event."""
    unknown = [kind for kind in kinds if kind not in MethodKind.values]
    if not kinds or unknown:
        raise PaymentError(f"Choose a method to save from {', '.join(MethodKind.values)}.")
    try:
        return provider_for().setup_create(customer, success_url=success_url, cancel_url=cancel_url,
                                           kinds=kinds).redirect_url
    except ProviderError as error:
        raise PaymentError(f"The payment method could not be saved: {error}") from None


def charge_saved_method(*, customer: Customer, method: SavedMethod, lines: Lines, key: str,
                        origin: str = "autopay") -> PaymentRequest:
    """Charge a saved method off-session, once per `key`: a second call with the key returns the
    first request and charges nothing, unless the first never reached the provider (then it asks
    again with the same idempotency key, which the provider answers with the same charge). What the
    provider answers at once is applied like its event would be; the event then changes nothing."""
    if method.customer_id != customer.pk or method.status != SavedMethod.Status.ACTIVE:
        raise PaymentError(f"{method} is not an active payment method of {customer.name}.")
    request = PaymentRequest.objects.filter(key=key).first()
    if request is None:
        try:
            with transaction.atomic():
                checked, currency = _checked_lines(customer, lines)
                amount = sum((line_amount for _, line_amount in checked), ZERO)
                request = _request_create(customer=customer, key=key, kind=PaymentRequest.Kind.OFF_SESSION,
                                          provider=method.provider, lines=checked, amount=amount,
                                          currency=currency, origin=origin)
                request.method_kind = method.kind
                request.save(update_fields=["method_kind"])
        except IntegrityError:  # the same key at the same moment (a retried task): theirs won
            return PaymentRequest.objects.get(key=key)
    if request.provider_ref or request.status != PaymentRequest.Status.OPEN:
        return request
    try:
        started = provider_for(method.provider).charge_off_session(request, method)
    except ProviderError as error:
        log.warning("Off-session charge of request %s not started: %s", request.pk, error)
        PaymentRequest.objects.filter(pk=request.pk).update(failure_reason=str(error)[:300])
        request.failure_reason = str(error)[:300]
        return request
    PaymentRequest.objects.filter(pk=request.pk).update(provider_ref=started.provider_ref,
                                                        payment_intent_ref=started.provider_ref)
    answer = Reading(started.status, key=request.key, payment_intent=started.provider_ref, amount=request.amount,
                     currency=request.currency, reason=started.failure_reason)
    with transaction.atomic():
        locked = PaymentRequest.objects.select_for_update().get(pk=request.pk)
        try:
            apply_reading(locked, answer)
        except Refused as refusal:  # the charge's own answer cannot disagree with the request
            log.error("Off-session charge of request %s: %s", request.pk, refusal)
    request.refresh_from_db()
    return request


def _find(provider: str, read: Reading) -> PaymentRequest | None:
    """The request an event is about: by our key in its metadata, else by the payment intent we
    learnt (a charge's refund or dispute names only that). Locked."""
    # No join to the customer or payment here: with one, SQLite's planner may walk every customer
    # (6 ms a lookup on the demo book) instead of the request's unique index; each is a lookup by
    # primary key when it is needed.
    # The lines alone: their invoices are read (and locked) only when money is posted.
    rows = PaymentRequest.objects.select_for_update(of=("self",)).filter(provider=provider).prefetch_related("lines")
    if read.key:
        found = rows.filter(key=read.key)
    elif read.payment_intent:
        found = rows.filter(payment_intent_ref=read.payment_intent)
    elif read.session_ref:
        found = rows.filter(provider_ref=read.session_ref)
    else:
        return None
    # Each is unique: no ORDER BY (`.first()` would add one, and SQLite then walks the primary key
    # instead of the unique index: 6 ms a lookup instead of 0.1).
    return next(iter(found.order_by()[:1]), None)


def _record(row: WebhookEvent, outcome: str, detail: str, request: PaymentRequest | None = None) -> WebhookEvent:
    row.outcome, row.detail, row.request = outcome, detail[:2000], request
    row.save(update_fields=["outcome", "detail", "request"])
    return row


def _event_claim(row: WebhookEvent) -> WebhookEvent | None:
    """Insert the event's row, the exactly-once guard, unless (provider, event_id) is there already:
    then None. One statement (INSERT … ON CONFLICT DO NOTHING RETURNING, PostgreSQL and SQLite
    ≥ 3.35) instead of a savepoint, the insert and its release or rollback; a concurrent delivery of
    the same event waits on the unique index until the first commits, then finds it, as before."""
    meta = WebhookEvent._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    [pk] = [f for f in meta.concrete_fields if f.primary_key]
    quote = connection.ops.quote_name
    values = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
    unique = ", ".join(quote(f.column) for name in ("provider", "event_id") for f in fields if f.name == name)
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))}) "
           f"ON CONFLICT ({unique}) DO NOTHING RETURNING {quote(pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone()
    if inserted is None:
        return None
    row.pk, row._state.adding = inserted[0], False
    return row


def webhook_receive(*, provider: str, body: bytes, signature_header: str) -> WebhookEvent:
    """Verify, record and apply one provider event. Raises WebhookRefused (answered 400) when the
    body cannot be trusted: nothing is written then. An authentic event we will not act on is
    recorded with outcome `refused` or `ignored` (answered 200: sending it again changes nothing).
    A replay returns an unsaved row with outcome `duplicate`."""
    try:
        gateway = provider_for(provider)
    except LookupError:
        raise WebhookRefused(f"{provider!r} is not a payment provider.") from None
    event = gateway.event_parse(body, signature_header)
    with transaction.atomic():
        row = _event_claim(WebhookEvent(provider=gateway.name, event_id=event.id, type=event.type,
                                        created=event.created, outcome=WebhookEvent.Outcome.IGNORED,
                                        payload=event.payload))
        if row is None:
            first = WebhookEvent.objects.get(provider=gateway.name, event_id=event.id)
            return WebhookEvent(provider=gateway.name, event_id=event.id, type=event.type, created=event.created,
                                outcome=WebhookEvent.Outcome.DUPLICATE, request_id=first.request_id,
                                detail=f"Already received at {first.received_at:%Y-%m-%d %H:%M:%S} ({first.outcome}).")
        read = reading(event)
        if read.says == NOTHING:
            return _record(row, WebhookEvent.Outcome.IGNORED, read.reason)
        try:
            if read.says == "method_saved":
                method = method_save(gateway, read)
                return _record(row, WebhookEvent.Outcome.APPLIED, f"Saved {method.label}.")
            request = _find(gateway.name, read)
            if request is None:
                raise Refused("No payment request of ours matches this event.")
            outcome, detail = apply_reading(request, read)
        except Refused as refusal:
            log.warning("Webhook %s %s refused: %s", event.type, event.id, refusal)
            return _record(row, WebhookEvent.Outcome.REFUSED, str(refusal), refusal.request)
        return _record(row, outcome, detail, request)


def request_refund(*, request: PaymentRequest, amount: Decimal | None = None, by: User | None) -> PaymentRequest:
    """A manager refunds (part of) a succeeded payment. The provider is asked here; the ledger is
    reversed when its charge.refunded event arrives, on the same path as a refund made in the
    provider's own dashboard, so a refund is never booked twice."""
    with transaction.atomic():
        request = PaymentRequest.objects.select_for_update().get(pk=request.pk)
        if request.status not in (PaymentRequest.Status.SUCCEEDED, PaymentRequest.Status.PARTIALLY_REFUNDED):
            raise PaymentError(f"Only a succeeded payment can be refunded; this one is {request.get_status_display()}.")
        left = request.amount - request.refunded_amount
        amount = left if amount in (None, "") else _amount(amount, "The amount to refund")
        if amount > left:
            raise PaymentError(f"{amount:,.2f} is more than the {left:,.2f} that can still be refunded.")
        try:
            refund_ref = provider_for(request.provider).refund(request, None if amount == left else amount)
        except ProviderError as error:
            raise PaymentError(f"The provider refused the refund: {error}") from None
        log.info("Refund %s of %s on request %s asked by %s", refund_ref, amount, request.pk,
                 by.get_username() if by else "system")
    return request
