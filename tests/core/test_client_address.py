"""The real client's address behind the TLS proxy (core.web.client_address), and login lockouts that
use it: a lockout holds one username from one address, for the cool-off, not every customer at once."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.web import client_address
from tests.factories import collector

PROXY = "10.0.0.2"


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_one_proxy_the_address_it_saw_is_the_client(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_address(request_from(PROXY, "198.51.100.1")) == "198.51.100.1"


def test_addresses_the_client_wrote_itself_are_never_read(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    # The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the address it really came from.
    assert client_address(request_from(PROXY, "1.2.3.4, 198.51.100.1")) == "198.51.100.1"


def test_behind_two_proxies_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_address(request_from(PROXY, "1.2.3.4, 198.51.100.1, 10.0.0.1")) == "198.51.100.1"


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", "198.51.100.1:4431"])
def test_a_missing_or_odd_header_falls_back_to_the_peer(settings, forwarded):
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_address(request_from(PROXY, forwarded)) == PROXY


def test_a_short_chain_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_address(request_from(PROXY, "198.51.100.1")) == PROXY


def test_ipv6_client_is_normalised(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_address(request_from(PROXY, "2001:DB8::1")) == "2001:db8::1"


@pytest.fixture
def lockouts(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXY_HOPS = 1
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def login(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)


@pytest.mark.django_db
def test_wrong_passwords_from_one_client_do_not_lock_the_user_out_elsewhere(client, lockouts):
    user = collector("lock_pair")
    for _ in range(3):
        login(client, user.username, "wrong", "198.51.100.66")  # someone else, guessing
    assert login(client, user.username, "demo-pass-123", "198.51.100.66").status_code == 429
    # The real user, through the same proxy from their own address, still gets in.
    response = login(client, user.username, "demo-pass-123", "198.51.100.7")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_the_lockout_is_kept_by_the_clients_address_not_the_proxys(client, lockouts):
    user = collector("lock_address")
    login(client, user.username, "wrong", "198.51.100.66")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.66"]


@pytest.mark.django_db
def test_after_the_cool_off_the_locked_user_gets_in_again(client, lockouts):
    user = collector("lock_cooloff")
    for _ in range(3):
        login(client, user.username, "wrong", "198.51.100.8")
    assert login(client, user.username, "demo-pass-123", "198.51.100.8").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=lockouts.AXES_COOLOFF_TIME, minutes=1))
    response = login(client, user.username, "demo-pass-123", "198.51.100.8")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
