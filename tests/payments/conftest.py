import itertools
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

import pytest
import stripe

from payments import services
from tests.factories import CustomerFactory, past_due_invoice

_sessions = itertools.count(1)


@pytest.fixture
def acme(db):
    customer = CustomerFactory(name="Acme", currency="USD")
    old = past_due_invoice(customer, "1500.00", days=45)
    new = past_due_invoice(customer, "1000.00", days=10)
    return SimpleNamespace(customer=customer, old=old, new=new)


@pytest.fixture
def acme_eur(db):
    """Acme billed in euros: SEPA debits are offered only there."""
    customer = CustomerFactory(name="Acme Europe", currency="EUR")
    old = past_due_invoice(customer, "1500.00", days=45)
    new = past_due_invoice(customer, "1000.00", days=10)
    return SimpleNamespace(customer=customer, old=old, new=new)


@pytest.fixture
def stripe_api(settings):
    """Stripe's API, mocked: every call is recorded with its params and options (idempotency key)."""
    settings.STRIPE_API_KEY = "sk_test_workbench"
    calls = SimpleNamespace(sessions=[], intents=[], refunds=[], customers=[])

    def session_create(self, params, options):
        calls.sessions.append((params, options))
        ref = f"cs_test_{next(_sessions):06d}"
        return SimpleNamespace(id=ref, url=f"https://checkout.stripe.com/c/pay/{ref}")

    def intent_create(self, params, options):
        calls.intents.append((params, options))
        return SimpleNamespace(id="pi_3QaBcDeFgHiJkLmN0aBcDeFg", status=calls.intent_status)

    def refund_create(self, params, options):
        calls.refunds.append((params, options))
        return SimpleNamespace(id=f"re_{len(calls.refunds)}")

    def method_retrieve(self, ref, *args, **kwargs):
        return SimpleNamespace(type="card", card=SimpleNamespace(brand="visa", last4="4242"))

    def customer_search(self, params, *args, **kwargs):
        calls.customers.append(("search", params))
        return SimpleNamespace(data=[])

    def customer_create(self, params, options):
        calls.customers.append(("create", params, options))
        return SimpleNamespace(id="cus_RaBcDeFgHiJkLm")

    def no_network(self, *args, **kwargs):
        raise AssertionError("a test reached for Stripe's network")

    calls.intent_status = "succeeded"
    with mock.patch.object(stripe.CustomerService, "search", customer_search), \
            mock.patch.object(stripe.CustomerService, "create", customer_create), \
            mock.patch.object(stripe.RequestsClient, "request", no_network), \
            mock.patch.object(stripe.checkout.SessionService, "create", session_create), \
            mock.patch.object(stripe.PaymentIntentService, "create", intent_create), \
            mock.patch.object(stripe.RefundService, "create", refund_create), \
            mock.patch.object(stripe.PaymentMethodService, "retrieve", method_retrieve):
        yield calls


@pytest.fixture(params=["sandbox", "stripe"])
def provider(request, settings):
    """Each test runs against the sandbox and against (mocked) Stripe."""
    settings.PAYMENTS_PROVIDER = request.param
    if request.param == "stripe":
        request.getfixturevalue("stripe_api")
    return request.param


def checkout(acme, lines=None, amount=None):
    lines = lines or [(acme.old, Decimal("1500.00")), (acme.new, Decimal("1000.00"))]
    request, url = services.checkout_start(customer=acme.customer, lines=lines, amount=amount, origin="portal",
                                           success_url="/done/", cancel_url="/back/")
    return request
