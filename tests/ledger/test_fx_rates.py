"""`rates_on` (rates looked up once per day and currency in Python) finds exactly the rate
`rate_expression` finds in the database for every row."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.fx import rate_expression, rates_on
from ledger.models import FxRate, Invoice
from tests.factories import CustomerFactory
from tests.reporting.factories import issue

pytestmark = pytest.mark.django_db


def test_the_same_rate_as_the_database_on_every_kind_of_day(settings):
    for day, rate in (("2026-03-01", "1.10000000"), ("2026-03-10", "1.20000000"), ("2026-04-01", "1.15000000")):
        FxRate.objects.create(currency="EUR", rate_date=date.fromisoformat(day), rate=Decimal(rate))
    FxRate.objects.create(currency="GBP", rate_date=date(2026, 3, 5), rate=Decimal("1.30000000"))
    customer = CustomerFactory()
    days = ["2026-02-01", "2026-03-01", "2026-03-09", "2026-03-10", "2026-03-31", "2026-05-01"]
    invoices = [issue(customer, day, "1.00", currency=currency) for day in days
                for currency in ("EUR", "GBP", "CHF", settings.BASE_CURRENCY)]
    in_database = dict(Invoice.objects.filter(pk__in=[i.pk for i in invoices]).annotate(rate=rate_expression())
                       .values_list("pk", "rate"))
    found = rates_on((i.currency, i.issue_date) for i in invoices)
    assert {i.pk: found[(i.currency, i.issue_date)] for i in invoices} == in_database
    assert found[("EUR", date(2026, 2, 1))] == Decimal("1.1")  # before the first: the first after
    assert found[("EUR", date(2026, 3, 31))] == Decimal("1.2")  # the latest on or before
    assert found[("CHF", date(2026, 3, 1))] is None  # no rate at all
    assert found[(settings.BASE_CURRENCY, date(2026, 3, 1))] == 1
