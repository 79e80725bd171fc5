"""Who may open which account: collectors their own portfolio only, managers and finance everything."""

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory, PortfolioFactory, UserFactory, finance, manager

pytestmark = pytest.mark.django_db


def open_account(client, user, customer):
    client.force_login(user)
    return client.get(reverse("account", args=[customer.pk]))


def test_collector_opens_an_account_of_their_portfolio(client):
    portfolio = PortfolioFactory()
    customer = CustomerFactory(name="Acme", portfolio=portfolio)

    response = open_account(client, portfolio.collector, customer)

    assert response.status_code == 200
    assert response.context["customer"] == customer


def test_another_portfolios_account_answers_404_to_a_collector(client):
    mine = PortfolioFactory()
    theirs = CustomerFactory(portfolio=PortfolioFactory())
    unassigned = CustomerFactory()

    assert open_account(client, mine.collector, theirs).status_code == 404
    assert open_account(client, mine.collector, unassigned).status_code == 404


def test_404_page_is_the_products_not_found_page(client):
    mine = PortfolioFactory()
    theirs = CustomerFactory(portfolio=PortfolioFactory())

    response = open_account(client, mine.collector, theirs)

    assert "not in your portfolio" in response.content.decode()


def test_managers_and_finance_open_every_account(client):
    customer = CustomerFactory(portfolio=PortfolioFactory())
    unassigned = CustomerFactory()
    for user in (manager(), finance()):
        assert open_account(client, user, customer).status_code == 200
        assert open_account(client, user, unassigned).status_code == 200


def test_a_user_without_a_role_gets_403_with_the_products_page(client):
    response = open_account(client, UserFactory(), CustomerFactory())

    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("account", args=[CustomerFactory().pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_reassigned_account_leaves_the_old_collectors_reach(client):
    from ledger.assignments import customers_assign

    old, new = PortfolioFactory(), PortfolioFactory()
    customer = CustomerFactory(portfolio=old)
    customers_assign(customer_ids=[customer.pk], portfolio=new, reason="rebalance")

    assert open_account(client, old.collector, customer).status_code == 404
    assert open_account(client, new.collector, customer).status_code == 200
