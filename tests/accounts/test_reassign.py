"""Bulk reassignment from the accounts list: a manager action, recorded in the assignment history."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import Customer
from portfolios.models import Assignment
from tests.factories import CustomerFactory, PortfolioFactory, finance, manager

pytestmark = pytest.mark.django_db


def test_manager_moves_ticked_accounts_and_the_history_says_who_and_why(client):
    boss = manager()
    old, new = PortfolioFactory(), PortfolioFactory()
    moving = CustomerFactory.create_batch(3, portfolio=old)
    staying = CustomerFactory(portfolio=old)
    client.force_login(boss)

    response = client.post(reverse("accounts_reassign"), {
        "customers": [c.pk for c in moving], "portfolio": new.pk, "reason": "Bob is on leave", "confirm": "yes",
        "next": reverse("accounts") + "?sort=name",
    }, follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts") + "?sort=name"
    assert "Moved 3 accounts" in response.content.decode()
    assert set(Customer.objects.filter(portfolio=new)) == set(moving)
    assert Customer.objects.get(pk=staying.pk).portfolio == old
    current = Assignment.objects.get(customer=moving[0], ends_on__isnull=True)
    assert (current.portfolio, current.by, current.reason, current.starts_on) == (
        new, boss, "Bob is on leave", timezone.localdate()
    )
    assert Assignment.objects.get(customer=moving[0], portfolio=old).ends_on is not None


def test_workspace_shows_who_owned_the_account_when(client):
    boss = manager()
    old, new = PortfolioFactory(), PortfolioFactory()
    customer = CustomerFactory(portfolio=old)
    client.force_login(boss)
    client.post(reverse("accounts_reassign"), {"customers": [customer.pk], "portfolio": new.pk, "reason": "rebalance",
                                               "confirm": "yes"})

    response = client.get(reverse("account", args=[customer.pk]))

    history = list(response.context["assignments"])
    assert [a.portfolio for a in history] == [new, old]
    html = response.content.decode()
    assert "rebalance" in html and old.name in html and new.name in html


@pytest.mark.parametrize("role", ["collector", "finance"])
def test_only_managers_may_reassign(client, role):
    portfolio, target = PortfolioFactory(), PortfolioFactory()
    customer = CustomerFactory(portfolio=portfolio)
    user = portfolio.collector if role == "collector" else finance()
    client.force_login(user)

    response = client.post(reverse("accounts_reassign"), {
        "customers": [customer.pk], "portfolio": target.pk, "reason": "mine now",
    })

    assert response.status_code == 403
    assert Customer.objects.get(pk=customer.pk).portfolio == portfolio
    assert Assignment.objects.filter(customer=customer).count() == 1


def test_reassign_needs_a_reason_and_ticked_accounts(client):
    old, new = PortfolioFactory(), PortfolioFactory()
    customer = CustomerFactory(portfolio=old)
    client.force_login(manager())

    response = client.post(reverse("accounts_reassign"), {"customers": [customer.pk], "portfolio": new.pk},
                           follow=True)
    assert "Nothing moved: Say why the accounts move." in response.content.decode()
    response = client.post(reverse("accounts_reassign"), {"portfolio": new.pk, "reason": "x"}, follow=True)
    assert "Nothing moved: Tick at least one account." in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).portfolio == old


def test_reassign_is_post_only_and_ignores_an_offsite_next(client):
    old, new = PortfolioFactory(), PortfolioFactory()
    customer = CustomerFactory(portfolio=old)
    client.force_login(manager())

    assert client.get(reverse("accounts_reassign")).status_code == 405
    response = client.post(reverse("accounts_reassign"), {
        "customers": [customer.pk], "portfolio": new.pk, "reason": "x", "next": "https://evil.example/",
        "confirm": "yes",
    })
    assert response["Location"] == reverse("accounts")
