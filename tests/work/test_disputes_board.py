"""/queue/disputes/: the owner cards add disputes in the base currency, never USD + EUR + CAD + GBP."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import FxRate
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, manager
from work import services as work_services

pytestmark = pytest.mark.django_db
RATES = {"EUR": Decimal("1.10"), "CAD": Decimal("0.75"), "GBP": Decimal("1.25")}


def open_dispute(portfolio, currency: str, amount: str, owner: str = "billing"):
    customer = CustomerFactory(portfolio=portfolio, currency=currency)
    invoice = InvoiceFactory(customer=customer, currency=currency, amount=Decimal(amount),
                             open_amount=Decimal(amount))
    return work_services.dispute_open(customer=customer, invoices=[invoice], amount=amount, root_cause="pricing",
                                      owner=owner)


def test_owner_cards_add_disputes_in_base_currency_and_say_so(client, settings):
    settings.BASE_CURRENCY = "USD"
    start = timezone.localdate() - timedelta(days=400)
    FxRate.objects.bulk_create([FxRate(currency=c, rate_date=start, rate=r) for c, r in RATES.items()])
    portfolio = PortfolioFactory()
    for currency in ("USD", "EUR", "CAD", "GBP"):
        open_dispute(portfolio, currency, "100.00")
    client.force_login(manager())
    response = client.get(reverse("disputes"))
    billing = {row["owner"]: row for row in response.context["by_owner"]}["billing"]
    assert billing["count"] == 4
    assert billing["amount"] == Decimal("100.00") * (1 + sum(RATES.values()))  # 410.00, not 400.00
    body = response.content.decode()
    assert "410.00 USD" in body and "Owner totals are in USD" in body


def test_a_currency_without_a_rate_is_said_not_summed_as_if_it_were_base(client):
    portfolio = PortfolioFactory()
    open_dispute(portfolio, "USD", "100.00")
    open_dispute(portfolio, "JPY", "5000.00")
    client.force_login(manager())
    response = client.get(reverse("disputes"))
    billing = {row["owner"]: row for row in response.context["by_owner"]}["billing"]
    assert billing["amount"] is None and billing["count"] == 2
    assert "no FX rate for a currency" in response.content.decode()
