"""Searching the accounts list: by name and id, and by invoice number, PO, contact name, email and
phone — each account once, only among the accounts the user may see, in a bounded number of queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    portfolio = PortfolioFactory()
    northwind = CustomerFactory(name="Northwind Traders", external_id="C-1001", portfolio=portfolio)
    contoso = CustomerFactory(name="Contoso Pharmacy", external_id="C-1002", portfolio=portfolio)
    InvoiceFactory(customer=northwind, external_id="INV-77123", po_number="PO-ALPHA-9", amount=Decimal("100.00"))
    InvoiceFactory(customer=northwind, external_id="INV-77124", po_number="PO-ALPHA-10", amount=Decimal("100.00"))
    InvoiceFactory(customer=contoso, external_id="INV-88001", po_number="4500012345", amount=Decimal("100.00"))
    ContactFactory(customer=northwind, name="Priya Raman", email="ap@northwind.example", phone="+1 (415) 555-0142")
    ContactFactory(customer=northwind, name="Priya Second", email="priya2@northwind.example", phone="415.555.0199")
    ContactFactory(customer=contoso, name="Jon Baker", email="payables@contoso.example", phone="020 7946 0018")
    return portfolio


def search(client, portfolio, q):
    client.force_login(portfolio.collector)
    response = client.get(reverse("accounts"), {"q": q})
    assert response.status_code == 200
    return [account.name for account in response.context["page"]]


@pytest.mark.parametrize(("q", "expected"), [
    ("northwind", ["Northwind Traders"]),
    ("C-1002", ["Contoso Pharmacy"]),
    ("INV-77123", ["Northwind Traders"]),
    ("88001", ["Contoso Pharmacy"]),
    ("po-alpha", ["Northwind Traders"]),  # two invoices match: the account is listed once
    ("4500012345", ["Contoso Pharmacy"]),
    ("Jon Baker", ["Contoso Pharmacy"]),
    ("priya", ["Northwind Traders"]),  # two contacts match: once
    ("payables@contoso", ["Contoso Pharmacy"]),
    ("ap@northwind.example", ["Northwind Traders"]),
    ("415-555-0142", ["Northwind Traders"]),  # typed with other separators than stored
    ("4155550142", ["Northwind Traders"]),
    ("(020) 7946-0018", ["Contoso Pharmacy"]),
    ("no such thing", []),
])
def test_search_finds_the_account_by_any_of_its_identifiers(client, book, q, expected):
    assert search(client, book, q) == expected


def test_search_stays_within_the_accounts_the_user_may_see(client, book):
    other = CustomerFactory(name="Fabrikam", portfolio=PortfolioFactory())
    InvoiceFactory(customer=other, external_id="INV-77125")
    ContactFactory(customer=other, name="Priya Elsewhere")
    assert search(client, book, "INV-7712") == ["Northwind Traders"]
    assert search(client, book, "priya") == ["Northwind Traders"]


def test_a_few_digits_do_not_match_every_phone_number(client, book):
    assert search(client, book, "55") == []


def test_search_query_count_does_not_grow_with_matches(client, book, django_assert_max_num_queries):
    client.force_login(book.collector)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("accounts"), {"q": "priya"})
    for n in range(20):
        customer = CustomerFactory(name=f"Account {n}", portfolio=book)
        ContactFactory(customer=customer, name=f"Priya {n}")
        InvoiceFactory(customer=customer, po_number=f"PRIYA-{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("accounts"), {"q": "priya"})
    assert len(response.context["page"]) == 21
