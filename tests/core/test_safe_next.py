"""Every door that follows a `next` goes back only to a page of this site (one helper: core.web.safe_next_url)."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from team.services import help_request_raise
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, collector, manager

pytestmark = pytest.mark.django_db

FOREIGN = ["https://evil.example/", "//evil.example", "/\\evil.example", "http:/evil.example", " //evil.example"]


def leaves_site(response) -> bool:
    location = response["Location"]
    return "evil" in location or location.startswith("//") or "://" in location


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("target", FOREIGN)
def test_resolving_a_help_request_never_redirects_off_site(client, target):
    boss, alice = manager("boss_next"), collector("alice_next")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    help_request = help_request_raise(customer=customer, by=alice, message="Customer stopped answering")
    client.force_login(boss)
    response = client.post(reverse("team_help_resolve", args=[help_request.pk]), {"resolution": "ok", "next": target})
    assert response.status_code == 302 and not leaves_site(response)
    assert response["Location"] == reverse("team_help")


def test_resolving_a_help_request_follows_a_next_on_this_site(client):
    boss, alice = manager("boss_next2"), collector("alice_next2")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    help_request = help_request_raise(customer=customer, by=alice, message="Help")
    client.force_login(boss)
    response = client.post(reverse("team_help_resolve", args=[help_request.pk]),
                           {"next": f"/accounts/{customer.pk}/"})
    assert response["Location"] == f"/accounts/{customer.pk}/"


@pytest.mark.parametrize("target", FOREIGN)
def test_reassigning_accounts_never_redirects_off_site(client, target):
    client.force_login(manager("boss_reassign"))
    response = client.post(reverse("accounts_reassign"), {"next": target})
    assert response.status_code == 302 and not leaves_site(response)


@pytest.mark.parametrize("target", FOREIGN)
def test_account_message_actions_never_redirect_off_site(client, target):
    alice = collector("alice_msg")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    ContactFactory(customer=customer)
    client.force_login(alice)
    response = client.post(reverse("account_statement_now", args=[customer.pk]), {"next": target})
    assert response.status_code in (302, 422)
    if response.status_code == 302:
        assert not leaves_site(response)


@pytest.mark.parametrize("target", FOREIGN)
def test_login_never_redirects_off_site(client, target):
    User.objects.create_user("login_next", password="right-horse-battery")
    response = client.post(reverse("login"), {"username": "login_next", "password": "right-horse-battery",
                                              "next": target})
    assert response.status_code == 302 and not leaves_site(response)


@pytest.mark.parametrize("target", FOREIGN)
def test_logout_never_redirects_off_site(client, target):
    client.force_login(manager("boss_logout"))
    response = client.post(reverse("logout"), {"next": target})
    assert response.status_code == 302 and not leaves_site(response)
