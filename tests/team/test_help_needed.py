"""Collectors flag accounts they need help with; the flags feed the one-on-one; managers resolve them."""

import pytest
from django.urls import reverse

from team.models import HelpRequest
from tests.factories import CustomerFactory, PortfolioFactory, finance, manager

pytestmark = pytest.mark.django_db


def test_collector_flags_an_account_of_their_portfolio(client):
    portfolio = PortfolioFactory()
    customer = CustomerFactory(portfolio=portfolio, name="Stuck Co")
    client.force_login(portfolio.collector)

    response = client.post(reverse("team_help"), {"customer": customer.pk, "message": "Owner refuses to talk"})

    assert response.status_code == 302
    flag = HelpRequest.objects.get()
    assert (flag.customer, flag.raised_by, flag.status) == (customer, portfolio.collector, "open")
    assert b"Stuck Co" in client.get(reverse("team_help")).content


def test_collector_cannot_flag_another_portfolios_account(client):
    portfolio = PortfolioFactory()
    theirs = CustomerFactory(portfolio=PortfolioFactory())
    client.force_login(portfolio.collector)

    response = client.post(reverse("team_help"), {"customer": theirs.pk, "message": "x"})

    assert response.status_code == 404
    assert not HelpRequest.objects.exists()


def test_finance_cannot_flag(client):
    customer = CustomerFactory(portfolio=PortfolioFactory())
    client.force_login(finance())

    assert client.get(reverse("team_help")).status_code == 200
    assert client.post(reverse("team_help"), {"customer": customer.pk, "message": "x"}).status_code == 403


def test_manager_sees_every_flag_and_resolves_it(client):
    portfolio = PortfolioFactory()
    customer = CustomerFactory(portfolio=portfolio)
    flag = HelpRequest.objects.create(customer=customer, raised_by=portfolio.collector, message="Need a call")
    other = PortfolioFactory()
    HelpRequest.objects.create(customer=CustomerFactory(portfolio=other), raised_by=other.collector, message="Other")
    boss = manager()
    client.force_login(boss)

    assert len(client.get(reverse("team_help")).context["items"]) == 2
    response = client.post(reverse("team_help_resolve", args=[flag.pk]), {"resolution": "Called the owner"})

    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by, flag.resolution) == ("resolved", boss, "Called the owner")


def test_collector_sees_only_their_own_flags_and_cannot_resolve(client):
    mine, theirs = PortfolioFactory(), PortfolioFactory()
    flag = HelpRequest.objects.create(customer=CustomerFactory(portfolio=mine), raised_by=mine.collector, message="A")
    HelpRequest.objects.create(customer=CustomerFactory(portfolio=theirs), raised_by=theirs.collector, message="B")
    client.force_login(mine.collector)

    assert [h.message for h in client.get(reverse("team_help")).context["items"]] == ["A"]
    assert client.post(reverse("team_help_resolve", args=[flag.pk])).status_code == 403


def test_managers_resolve_flags_but_do_not_raise_them(client):
    customer = CustomerFactory(portfolio=PortfolioFactory())
    client.force_login(manager())

    assert client.post(reverse("team_help"), {"customer": customer.pk, "message": "x"}).status_code == 403
