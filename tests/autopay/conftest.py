"""Autopay scenarios run end to end through the sandbox provider: the customer saves a test card
on the sandbox's setup page, its signed event reaches our webhook (in-process, see
payments.providers.sandbox_delivery), payments saves the method and autopay activates the mandate.
`on_commit` callbacks (the signals, the event deliveries, the outbox's dispatch) run as they
would in production, inside `django_capture_on_commit_callbacks(execute=True)`."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from autopay import services
from autopay.models import Mandate
from ledger.models import Contact
from ledger.services import invoice_issue
from payments.models import SandboxSession
from payments.providers import sandbox
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory

CARD_OK = "4242424242424242"
CARD_NO_FUNDS = "4000000000009995"
SEPA_CLEARS = "DE89370400440532013000"
SEPA_FAILS = "DE62370400440532013001"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.PAYMENTS_PROVIDER = "sandbox"
    settings.PAYMENTS_SANDBOX_ALLOWED = True
    settings.AUTOPAY_NOTICE_DAYS = 3
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a block and then what it left for after the commit (and what those leave, in turn)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def customer_with_invoices(*dues_in_days, currency="EUR", amount="4200.00", **kwargs):
    """A customer with an AP contact and one open invoice per `dues_in_days` (days from today)."""
    customer = CustomerFactory(portfolio=kwargs.pop("portfolio", None) or PortfolioFactory(), currency=currency,
                               **kwargs)
    ContactFactory(customer=customer, role=Contact.Role.AP_CLERK, email="ap@buyer.example")
    today = timezone.localdate()
    for n, days in enumerate(dues_in_days):
        due = today + timedelta(days=days)
        invoice_issue(customer=customer, external_id=f"{customer.external_id}-{n}", issue_date=due - timedelta(days=30),
                      due_date=due, amount=Decimal(amount), currency=currency)
    return customer


def enrol(customer, commit, *, number=CARD_OK, kind="card", charge_on=None) -> Mandate:
    """The customer turns autopay on and saves `number` on the sandbox's setup page."""
    with commit():
        mandate, url = services.mandate_enrol(
            customer=customer, kind=kind, charge_on=charge_on, authorization="I authorize you.",
            accepted_from="127.0.0.1", return_url=lambda m: f"http://testserver/return/{m.pk}/",
            cancel_url="http://testserver/cancel/")
    ref = url.rstrip("/").rsplit("/", 1)[-1]
    with commit():
        assert sandbox.setup_complete(SandboxSession.objects.get(ref=ref), number) == ""
    mandate.refresh_from_db()
    return mandate
