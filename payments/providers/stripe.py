"""Stripe, through the official `stripe` library (StripeClient, API v1).

- A checkout is a Checkout Session in mode=payment with one line item per invoice (and one for
  cash on account), our request key in `client_reference_id` and the metadata of the session and
  of its payment intent, so every event that follows names our request.
- Saving a method is a Checkout Session in mode=setup for the customer's Stripe customer; its
  SetupIntent carries our customer id, and `setup_intent.succeeded` saves the method.
- Autopay charges are PaymentIntents with `off_session=True, confirm=True`.
- Every call carries an idempotency key derived from the request's key: a retried call (a
  timeout, a retried task) is answered with the first result instead of charging twice.
- Webhooks are verified with `stripe.Webhook.construct_event` (signature and timestamp tolerance).
"""

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

from ledger.models import Customer
from payments.models import MethodKind, PaymentRequest, SavedMethod
from payments.providers.base import (
    META_CUSTOMER,
    ChargeStarted,
    CheckoutStarted,
    ProviderError,
    ProviderEvent,
    minor_units,
    request_metadata,
    signed_event_parse,
)

# Stripe's bank-transfer funding (a customer balance) by the currencies it supports without a country.
BANK_TRANSFER_TYPES = {"USD": "us_bank_transfer", "GBP": "gb_bank_transfer", "JPY": "jp_bank_transfer",
                       "MXN": "mx_bank_transfer"}


class StripeProvider:
    name = "stripe"

    def __init__(self) -> None:
        self.client = stripe.StripeClient(settings.STRIPE_API_KEY, max_network_retries=2)

    def _call(self, method: Callable[..., Any], params: dict, key: str) -> Any:
        try:
            return method(params, {"idempotency_key": key})
        except stripe.CardError as error:
            raise ProviderError(error.user_message or "The card was declined.") from error
        except stripe.StripeError as error:
            raise ProviderError(error.user_message or "The payment provider did not answer; try again.") from error

    def _customer_ref(self, customer: Customer) -> str:
        """The Stripe customer of ours: the one a saved method names, else found by our id in its
        metadata, else created (idempotently, so two clicks make one)."""
        known = SavedMethod.objects.filter(customer=customer, provider=self.name).exclude(
            provider_customer_ref="").values_list("provider_customer_ref", flat=True).first()
        if known:
            return known
        try:
            found = self.client.v1.customers.search({"query": f"metadata['{META_CUSTOMER}']:'{customer.pk}'"})
        except stripe.StripeError as error:
            raise ProviderError(error.user_message or "The payment provider did not answer; try again.") from error
        if found.data:
            return found.data[0].id
        params = {"name": customer.name, "metadata": {META_CUSTOMER: str(customer.pk),
                                                      "external_id": customer.external_id}}
        if customer.email:
            params["email"] = customer.email
        return self._call(self.client.v1.customers.create, params, f"customer:{customer.pk}").id

    def checkout_create(self, request: PaymentRequest, *, success_url: str, cancel_url: str,
                        methods: list[str]) -> CheckoutStarted:
        currency = request.currency.lower()
        items = [{"quantity": 1, "price_data": {
            "currency": currency, "unit_amount": minor_units(line.amount),
            "product_data": {"name": f"Invoice {line.invoice.external_id}"}}}
            for line in request.lines.select_related("invoice")]
        lines_total = sum((line.amount for line in request.lines.all()), Decimal(0))
        rest = request.amount - request.surcharge_amount - lines_total
        if rest > 0:
            items.append({"quantity": 1, "price_data": {"currency": currency, "unit_amount": minor_units(rest),
                                                        "product_data": {"name": "Payment on account"}}})
        if request.surcharge_amount > 0:
            items.append({"quantity": 1, "price_data": {
                "currency": currency, "unit_amount": minor_units(request.surcharge_amount),
                "product_data": {"name": "Card surcharge"}}})
        metadata = request_metadata(request)
        types = [m for m in methods if m in MethodKind.values]
        params: dict = {
            "mode": "payment", "line_items": items, "client_reference_id": request.key, "metadata": metadata,
            "payment_intent_data": {"metadata": metadata,
                                    "description": f"{request.customer.name}: {request.external_id}"},
            "success_url": success_url, "cancel_url": cancel_url,
            "expires_at": int(time.time()) + max(30, settings.PAYMENTS_CHECKOUT_EXPIRES_MINUTES) * 60,
        }
        if "bank_transfer" in methods and request.currency in BANK_TRANSFER_TYPES:
            types.append("customer_balance")
            params["customer"] = self._customer_ref(request.customer)
            params["payment_method_options"] = {"customer_balance": {
                "funding_type": "bank_transfer",
                "bank_transfer": {"type": BANK_TRANSFER_TYPES[request.currency]}}}
        elif request.customer.email:
            params["customer_email"] = request.customer.email
        if not types:
            raise ProviderError(f"No payment method Stripe offers is allowed for {request.currency}.")
        params["payment_method_types"] = types
        session = self._call(self.client.v1.checkout.sessions.create, params, f"{request.key}:session")
        return CheckoutStarted(session.id, session.url)

    def setup_create(self, customer: Customer, *, success_url: str, cancel_url: str,
                     kinds: list[str]) -> CheckoutStarted:
        params = {
            "mode": "setup", "customer": self._customer_ref(customer), "payment_method_types": kinds,
            "currency": customer.currency.lower(), "success_url": success_url, "cancel_url": cancel_url,
            "setup_intent_data": {"metadata": {META_CUSTOMER: str(customer.pk)}},
        }
        # A setup page is opened by one click: its key is that click's (two clicks are two pages).
        session = self._call(self.client.v1.checkout.sessions.create, params,
                             f"setup:{customer.pk}:{int(time.time() * 1000)}")
        return CheckoutStarted(session.id, session.url)

    def charge_off_session(self, request: PaymentRequest, method: SavedMethod) -> ChargeStarted:
        params: dict[str, Any] = {
            "amount": minor_units(request.amount), "currency": request.currency.lower(),
            "customer": method.provider_customer_ref, "payment_method": method.provider_method_ref,
            "payment_method_types": [method.kind], "off_session": True, "confirm": True,
            "metadata": request_metadata(request), "description": f"{request.customer.name}: {request.external_id}",
        }
        try:
            intent = self.client.v1.payment_intents.create(params,  # type: ignore[arg-type]  # a plain dict
                                                           {"idempotency_key": f"{request.key}:charge"})
        except stripe.CardError as error:  # declined, or needs the customer (authentication_required)
            failed = error.error.payment_intent if error.error else None
            if failed is None:
                raise ProviderError(error.user_message or "The card was declined.") from error
            return ChargeStarted(failed.id, PaymentRequest.Status.FAILED, error.user_message or str(error.code))
        except stripe.StripeError as error:
            raise ProviderError(error.user_message or "The payment provider did not answer; try again.") from error
        if intent.status == "succeeded":
            return ChargeStarted(intent.id, PaymentRequest.Status.SUCCEEDED)
        if intent.status == "processing":
            return ChargeStarted(intent.id, PaymentRequest.Status.PENDING)
        return ChargeStarted(intent.id, PaymentRequest.Status.FAILED,
                             f"The charge needs the customer ({intent.status}).")

    def refund(self, request: PaymentRequest, amount: Decimal | None) -> str:
        if not request.payment_intent_ref:
            raise ProviderError("Stripe has not told us the payment intent of this payment yet.")
        params: dict = {"payment_intent": request.payment_intent_ref, "metadata": request_metadata(request)}
        if amount is not None:
            params["amount"] = minor_units(amount)
        # Keyed by what was refunded before and what is asked now: a double click refunds once.
        key = f"{request.key}:refund:{request.refunded_amount}:{amount if amount is not None else 'rest'}"
        return self._call(self.client.v1.refunds.create, params, key).id

    def event_parse(self, body: bytes, signature_header: str) -> ProviderEvent:
        return signed_event_parse(body, signature_header, secret=settings.PAYMENTS_WEBHOOK_SECRET,
                                  tolerance=settings.PAYMENTS_WEBHOOK_TOLERANCE_SECONDS)

    def method_describe(self, method_ref: str) -> tuple[str, str]:
        try:
            method = self.client.v1.payment_methods.retrieve(method_ref)
        except stripe.StripeError as error:
            raise ProviderError(error.user_message or "The payment provider did not answer; try again.") from error
        # Stripe sends only the hash of the method's own type: the others are absent, not null.
        card, sepa, bank = (getattr(method, kind, None) for kind in ("card", "sepa_debit", "us_bank_account"))
        if method.type == "card" and card:
            return MethodKind.CARD, f"{card.brand.title()} •••• {card.last4}"
        if method.type == "sepa_debit" and sepa:
            return MethodKind.SEPA_DEBIT, f"SEPA {sepa.country} •••• {sepa.last4}"
        if method.type == "us_bank_account" and bank:
            return MethodKind.US_BANK_ACCOUNT, f"{bank.bank_name or 'Bank account'} •••• {bank.last4}"
        raise ProviderError(f"A {method.type} payment method cannot be charged by autopay.")
