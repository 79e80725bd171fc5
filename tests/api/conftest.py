from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ledger.services import credit_note_issue, invoice_issue, payment_receive
from portfolios.access import INTEGRATION
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, UserFactory, collector, finance, manager
from work.models import Activity, Dispute
from work.services import activity_log, dispute_open, promise_record


@pytest.fixture(autouse=True)
def _fresh_api(settings):
    cache.clear()  # throttle counters
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def integration_user(username="erp"):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=INTEGRATION)[0])
    return user


def book_for(portfolio, *, customers=2, prefix="A"):
    """Customers with every kind of row: contacts, invoices, a part payment, a credit, work."""
    rows = []
    for n in range(customers):
        customer = CustomerFactory(portfolio=portfolio, external_id=f"{prefix}{n:03d}", name=f"{prefix} Customer {n}")
        contact = ContactFactory(customer=customer)
        invoices = [
            invoice_issue(customer=customer, external_id=f"{prefix}{n:03d}-I{i}", issue_date=date(2026, 8, 1),
                          due_date=date(2026, 8, 31) + timedelta(days=i), amount=Decimal("1000.00"), currency="USD")
            for i in range(3)
        ]
        payment_receive(customer=customer, external_id=f"{prefix}{n:03d}-P", received_date=date(2026, 9, 5),
                        amount=Decimal("400.00"), currency="USD", applications=[(invoices[0], Decimal("300.00"))])
        credit_note_issue(customer=customer, external_id=f"{prefix}{n:03d}-C", issue_date=date(2026, 9, 6),
                          amount=Decimal("50.00"), currency="USD", invoice=invoices[1])
        activity_log(customer=customer, kind=Activity.Kind.CALL, contact=contact, invoices=invoices[:1],
                     subject="Called AP")
        promise_record(customer=customer, amount=Decimal("500.00"), pay_by=date(2026, 12, 1), invoices=invoices[:1])
        dispute_open(customer=customer, invoices=[invoices[2]], amount=Decimal("100.00"),
                     root_cause=Dispute.RootCause.PRICING)
        rows.append(customer)
    return rows


@pytest.fixture
def book(db):
    """Two collectors with their own portfolios, plus the other roles."""
    alice, bob = collector("alice_api"), collector("bob_api")
    mine = book_for(PortfolioFactory(collector=alice), prefix="A")
    theirs = book_for(PortfolioFactory(collector=bob), prefix="B")
    return {
        "alice": alice, "bob": bob, "mine": mine, "theirs": theirs,
        "manager": manager("boss_api"), "finance": finance("money_api"), "erp": integration_user(),
        "nobody": UserFactory(username="no_role_api"),
    }
