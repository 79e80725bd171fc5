"""What we ask Stripe (mocked: no network): every call with an idempotency key from the request."""

from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
import stripe

from payments import services
from payments.models import CustomerPaymentSettings, PaymentRequest, SavedMethod
from tests.factories import CustomerFactory
from tests.payments.conftest import checkout
from tests.payments.stripe_events import event_for, post

S = PaymentRequest.Status


@pytest.fixture
def on_stripe(settings, stripe_api):
    settings.PAYMENTS_PROVIDER = "stripe"
    return stripe_api


def test_a_checkout_session_has_a_line_per_invoice_and_names_the_request(acme, on_stripe):
    request = checkout(acme, amount=Decimal("2600.00"))
    params, options = on_stripe.sessions[0]
    assert options == {"idempotency_key": f"{request.key}:session"}
    assert params["mode"] == "payment" and params["client_reference_id"] == request.key
    items = [(i["price_data"]["product_data"]["name"], i["price_data"]["unit_amount"]) for i in params["line_items"]]
    assert items == [
        (f"Invoice {acme.old.external_id}", 150000), (f"Invoice {acme.new.external_id}", 100000),
        ("Payment on account", 10000)]
    assert params["metadata"] == params["payment_intent_data"]["metadata"] == {
        "payment_request": request.key, "customer_id": str(acme.customer.pk),
        "invoice_ids": ",".join(str(pk) for pk in sorted([acme.old.pk, acme.new.pk]))}
    # A USD account: no SEPA (a euro debit) offered.
    assert set(params["payment_method_types"]) == {"card", "us_bank_account", "customer_balance"}
    assert params["payment_method_options"]["customer_balance"]["bank_transfer"]["type"] == "us_bank_transfer"
    assert request.provider_ref.startswith("cs_test_")


def test_cards_are_off_above_the_customers_card_limit(acme, on_stripe):
    CustomerPaymentSettings.objects.create(customer=acme.customer, card_max_amount=Decimal("2000.00"),
                                           methods_allowed=["card", "us_bank_account"])
    checkout(acme)
    assert on_stripe.sessions[0][0]["payment_method_types"] == ["us_bank_account"]
    checkout(acme, lines=[(acme.new, Decimal("1000.00"))])
    assert on_stripe.sessions[1][0]["payment_method_types"] == ["card", "us_bank_account"]


def test_no_method_left_is_told_to_the_customer(acme, on_stripe):
    CustomerPaymentSettings.objects.create(customer=acme.customer, card_max_amount=Decimal("10.00"),
                                           methods_allowed=["card"])
    with pytest.raises(services.PaymentError, match="No payment method is available online"):
        checkout(acme)
    assert not on_stripe.sessions


def test_a_stripe_error_cancels_the_request_with_a_message(acme, on_stripe):
    with mock.patch.object(stripe.checkout.SessionService, "create",
                           side_effect=stripe.APIConnectionError("down")):
        with pytest.raises(services.PaymentError, match="could not be started"):
            checkout(acme)
    assert PaymentRequest.objects.get().status == S.CANCELLED


@pytest.mark.parametrize(("lines", "message"), [
    ([], "at least one invoice"),
    ("paid", "already paid"),
    ("too_much", "more than the"),
    ("foreign", "is not an invoice of"),
    ("twice", "listed twice"),
    ("cents", "not an amount"),
])
def test_checkout_start_checks_the_lines(acme, on_stripe, lines, message):
    from tests.factories import CustomerFactory, past_due_invoice

    if lines == "paid":
        acme.old.status, acme.old.open_amount = "paid", 0
        acme.old.save()
        lines = [(acme.old, Decimal("1.00"))]
    elif lines == "too_much":
        lines = [(acme.old, Decimal("1500.01"))]
    elif lines == "foreign":
        lines = [(past_due_invoice(CustomerFactory(), "10.00", days=3), Decimal("10.00"))]
    elif lines == "twice":
        lines = [(acme.old, Decimal("1.00")), (acme.old, Decimal("2.00"))]
    elif lines == "cents":
        lines = [(acme.old, Decimal("1.001"))]
    with pytest.raises(services.PaymentError, match=message):
        services.checkout_start(customer=acme.customer, lines=lines, origin="portal", success_url="/", cancel_url="/")


def test_an_invoice_on_a_clearing_payment_cannot_be_paid_again(client, acme, on_stripe):
    request = checkout(acme)
    post(client, "stripe", event_for("checkout.session.completed.unpaid", request))
    with pytest.raises(services.PaymentError, match="still clearing"):
        checkout(acme, lines=[(acme.old, Decimal("10.00"))])


def test_lines_oldest_first_allocates_a_partial_amount(acme):
    lines = services.lines_oldest_first(customer=acme.customer, invoices=[acme.new, acme.old], amount=Decimal("1700"))
    assert lines == [(acme.old, Decimal("1500.00")), (acme.new, Decimal("200.00"))]


def _method(acme) -> SavedMethod:
    return SavedMethod.objects.create(customer=acme.customer, provider="stripe", provider_customer_ref="cus_1",
                                      provider_method_ref="pm_1", kind="card", label="Visa •••• 4242")


def test_an_off_session_charge_confirms_off_session_with_the_keys_idempotency(acme, on_stripe, ledger_balances):
    method = _method(acme)
    request = services.charge_saved_method(customer=acme.customer, method=method,
                                           lines=[(acme.old, Decimal("1500.00"))], key="autopay:1:2026-12-15")
    params, options = on_stripe.intents[0]
    assert options == {"idempotency_key": "autopay:1:2026-12-15:charge"}
    assert params["off_session"] is True and params["confirm"] is True
    assert (params["amount"], params["currency"], params["payment_method"], params["customer"]) == (
        150000, "usd", "pm_1", "cus_1")
    assert request.status == S.SUCCEEDED
    services.charge_saved_method(customer=acme.customer, method=method, lines=[(acme.old, Decimal("1500.00"))],
                                 key="autopay:1:2026-12-15")
    assert len(on_stripe.intents) == 1
    ledger_balances()


def test_a_declined_off_session_charge_fails_with_stripes_message(acme, on_stripe):
    method = _method(acme)
    error = stripe.CardError("Your card has insufficient funds.", param=None, code="card_declined")
    error.error = SimpleNamespace(payment_intent=SimpleNamespace(id="pi_declined"))
    with mock.patch.object(stripe.PaymentIntentService, "create", side_effect=error):
        request = services.charge_saved_method(customer=acme.customer, method=method,
                                               lines=[(acme.old, Decimal("1500.00"))], key="autopay:2")
    assert (request.status, request.provider_ref) == (S.FAILED, "pi_declined")
    assert "insufficient funds" in request.failure_reason


def test_a_network_failure_leaves_the_charge_to_be_asked_again_with_the_same_key(acme, on_stripe):
    method = _method(acme)
    with mock.patch.object(stripe.PaymentIntentService, "create", side_effect=stripe.APIConnectionError("down")):
        request = services.charge_saved_method(customer=acme.customer, method=method,
                                               lines=[(acme.old, Decimal("1500.00"))], key="autopay:3")
    assert request.status == S.OPEN and not request.provider_ref
    again = services.charge_saved_method(customer=acme.customer, method=method,
                                         lines=[(acme.old, Decimal("1500.00"))], key="autopay:3")
    assert again.pk == request.pk and again.status == S.SUCCEEDED
    assert on_stripe.intents[0][1] == {"idempotency_key": "autopay:3:charge"}


def test_a_manager_refund_asks_stripe_once_per_amount(client, acme, on_stripe):
    request = checkout(acme)
    post(client, "stripe", event_for("checkout.session.completed", request))
    request.refresh_from_db()
    services.request_refund(request=request, amount=Decimal("100.00"), by=None)
    params, options = on_stripe.refunds[0]
    assert params["payment_intent"] == request.payment_intent_ref and params["amount"] == 10000
    assert options["idempotency_key"] == f"{request.key}:refund:0.00:100.00"
    with pytest.raises(services.PaymentError, match="more than the"):
        services.request_refund(request=request, amount=Decimal("2500.01"), by=None)


def test_a_refund_of_an_unpaid_request_is_refused(acme, on_stripe):
    request = checkout(acme)
    with pytest.raises(services.PaymentError, match="Only a succeeded payment"):
        services.request_refund(request=request, by=None)


def test_setup_saves_the_method_stripe_reports(client, acme, on_stripe):
    url = services.setup_start(customer=acme.customer, kinds=["card"], success_url="https://x/ok",
                               cancel_url="https://x/no")
    assert url.startswith("https://checkout.stripe.com/")
    params, options = on_stripe.sessions[0]
    assert params["mode"] == "setup" and params["customer"] == "cus_RaBcDeFgHiJkLm"
    assert params["setup_intent_data"]["metadata"] == {"customer_id": str(acme.customer.pk)}
    assert options["idempotency_key"].startswith(f"setup:{acme.customer.pk}:")
    event = event_for("setup_intent.succeeded", PaymentRequest(amount=Decimal("1"), currency="USD"))
    event["data"]["object"]["metadata"] = {"customer_id": str(acme.customer.pk)}
    for _ in range(3):
        assert post(client, "stripe", event).status_code == 200
    method = SavedMethod.objects.get()
    assert (method.label, method.provider_customer_ref, method.provider_method_ref) == (
        "Visa •••• 4242", "cus_RaBcDeFgHiJkLm", "pm_1QaSaVeDcArDxYz0123456")


@pytest.mark.django_db
def test_a_debit_is_offered_only_in_its_own_currency():
    assert "sepa_debit" in services.methods_for(CustomerFactory(currency="EUR"), Decimal("10.00"))
    assert "us_bank_account" not in services.methods_for(CustomerFactory(currency="EUR"), Decimal("10.00"))
    assert "sepa_debit" not in services.methods_for(CustomerFactory(currency="GBP"), Decimal("10.00"))
