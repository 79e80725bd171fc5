"""A card surcharge set on the customer: the customer chooses card (with it) or another method
(without) first; the provider collects it on top; the ledger posts only what the invoices get."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from ledger.models import Invoice, Payment
from payments import services
from payments.models import CustomerPaymentSettings, PaymentRequest
from portal.links import portal_token_for

S = PaymentRequest.Status


@pytest.fixture
def surcharged(acme, settings):
    settings.PAYMENTS_PROVIDER = "sandbox"
    CustomerPaymentSettings.objects.create(customer=acme.customer, card_surcharge_percent=Decimal("2.50"))
    return acme


def _start(acme, method, lines=None):
    return services.checkout_start(customer=acme.customer, lines=lines or [(acme.old, Decimal("1500.00"))],
                                   origin="portal", success_url="/done/", cancel_url="/back/", method=method)[0]


def test_the_surcharge_is_a_percent_to_the_cent_halves_up():
    assert services.card_surcharge(Decimal("2.50"), Decimal("1500.00")) == Decimal("37.50")
    assert services.card_surcharge(Decimal("2.50"), Decimal("0.30")) == Decimal("0.01")  # 0.0075 → 0.01
    assert services.card_surcharge(Decimal("1.99"), Decimal("10.00")) == Decimal("0.20")  # 0.199 → 0.20
    assert services.card_surcharge(Decimal("0"), Decimal("10.00")) == Decimal("0.00")


def test_the_percent_is_bounded(acme):
    setting = CustomerPaymentSettings(customer=acme.customer, card_surcharge_percent=Decimal("12"))
    with pytest.raises(ValidationError, match="less than or equal to 10"):
        setting.full_clean()


def test_by_card_only_cards_are_offered_and_the_surcharge_is_on_top(surcharged):
    request = _start(surcharged, services.BY_CARD)
    assert (request.amount, request.surcharge_amount) == (Decimal("1537.50"), Decimal("37.50"))
    assert request.sandbox_session.methods == ["card"]


def test_another_way_offers_no_card_and_no_surcharge(surcharged):
    request = _start(surcharged, services.NOT_BY_CARD)
    assert (request.amount, request.surcharge_amount) == (Decimal("1500.00"), Decimal("0.00"))
    assert "card" not in request.sandbox_session.methods and request.sandbox_session.methods
    # A checkout that did not say never offers a card without its surcharge.
    assert "card" not in _start(surcharged, services.ANY_METHOD).sandbox_session.methods


def test_no_surcharge_set_changes_nothing(acme, settings):
    settings.PAYMENTS_PROVIDER = "sandbox"
    request = _start(acme, services.ANY_METHOD)
    assert (request.amount, request.surcharge_amount) == (Decimal("1500.00"), Decimal("0.00"))
    assert "card" in request.sandbox_session.methods


def test_above_the_card_ceiling_card_is_refused_with_a_way_out(surcharged):
    CustomerPaymentSettings.objects.filter(customer=surcharged.customer).update(card_max_amount=Decimal("1000"))
    with pytest.raises(services.PaymentError, match="Cards are not taken online for 1,500.00 USD; please choose"):
        _start(surcharged, services.BY_CARD)
    with pytest.raises(services.PaymentError, match="is not a way to pay"):
        _start(surcharged, "cheque")


def test_paid_by_card_posts_the_invoices_part_only(client, surcharged, ledger_balances,
                                                   django_capture_on_commit_callbacks):
    request = _start(surcharged, services.BY_CARD)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments_sandbox_checkout", args=[request.provider_ref]), {"number": "4242424242424242"})
    request.refresh_from_db()
    assert request.status == S.SUCCEEDED
    payment = Payment.objects.get(customer=surcharged.customer)
    assert (payment.amount, payment.unapplied_amount) == (Decimal("1500.00"), Decimal("0.00"))
    surcharged.old.refresh_from_db()
    assert surcharged.old.status == Invoice.Status.PAID
    ledger_balances()

    # A refund comes off the invoices first; the surcharge goes back only with all of it.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sandbox_payment", request.provider_ref, "refund", "--amount", "500.00")
    request.refresh_from_db()
    assert (request.status, request.refunded_amount) == (S.PARTIALLY_REFUNDED, Decimal("500.00"))
    assert Payment.objects.get(customer=surcharged.customer, status=Payment.Status.POSTED).amount == Decimal("1000.00")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sandbox_payment", request.provider_ref, "refund", "--amount", "1000.00")
    request.refresh_from_db()
    assert (request.status, request.refunded_amount) == (S.PARTIALLY_REFUNDED, Decimal("1500.00"))
    assert not Payment.objects.filter(customer=surcharged.customer, status=Payment.Status.POSTED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sandbox_payment", request.provider_ref, "refund")
    request.refresh_from_db()
    assert (request.status, request.refunded_amount) == (S.REFUNDED, Decimal("1537.50"))
    surcharged.old.refresh_from_db()
    assert surcharged.old.open_amount == Decimal("1500.00")
    ledger_balances()


def test_stripe_gets_the_surcharge_as_its_own_line(surcharged, settings, stripe_api):
    settings.PAYMENTS_PROVIDER = "stripe"
    _start(surcharged, services.BY_CARD)
    params, _ = stripe_api.sessions[-1]
    assert params["payment_method_types"] == ["card"]
    assert [(i["price_data"]["product_data"]["name"], i["price_data"]["unit_amount"]) for i in params["line_items"]] \
        == [(f"Invoice {surcharged.old.external_id}", 150000), ("Card surcharge", 3750)]


def test_the_portal_asks_how_to_pay_and_says_so_when_not_chosen(client, surcharged):
    url = reverse("portal_pay", args=[portal_token_for(surcharged.customer)])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Card, with a 2.5 % surcharge" in text and "no surcharge" in text
    answer = client.post(url, {"invoices": [surcharged.old.pk], "origin": "portal"})
    assert answer.status_code == 400
    assert "Choose how you pay" in answer.content.decode()
    answer = client.post(url, {"invoices": [surcharged.old.pk], "origin": "portal",
                                                      "method": "card"})
    assert answer.status_code == 302
    assert PaymentRequest.objects.get(customer=surcharged.customer).surcharge_amount == Decimal("37.50")
