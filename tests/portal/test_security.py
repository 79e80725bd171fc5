"""Outsiders' door: bad links show nothing, other customers' ids are not found, forms hold, limits hold."""

import time
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from portal.links import SALT, portal_token_for
from portal.models import PortalRequest
from portal.services import portal_access_revoke
from tests.factories import collector
from tests.portal.factories import account, credit
from work.models import Dispute, PromiseToPay, QueueTask

pytestmark = pytest.mark.django_db

# Every portal URL: (name, needs an invoice id, needs a credit id).
PORTAL_URLS = [
    ("portal_home", None),
    ("portal_invoice_pdf", "invoice"),
    ("portal_dispute", "invoice"),
    ("portal_statement", None),
    ("portal_promise", None),
    ("portal_credit_apply", "credit"),
    ("portal_autopay", None),
    ("portal_contact", None),
    ("portal_feedback", None),
]
GET_ONLY = {"portal_home", "portal_invoice_pdf", "portal_statement"}


@pytest.fixture
def two_customers():
    mine, theirs = account(invoices=2, name="Mine Ltd"), account(invoices=2, name="Theirs Corp")
    return mine, credit(mine), theirs, credit(theirs)


def _url(name, token, kind, invoice, note):
    args = [token] + ([invoice.pk] if kind == "invoice" else [note.pk] if kind == "credit" else [])
    return reverse(name, args=args)


@pytest.mark.parametrize("name, kind", [u for u in PORTAL_URLS if u[1]])
def test_another_customers_object_inside_a_valid_link_is_not_found(client, two_customers, name, kind):
    mine, _, theirs, their_credit = two_customers
    token = portal_token_for(mine)
    target = _url(name, token, kind, theirs.invoices.first(), their_credit)
    assert client.get(target).status_code == 404
    response = client.post(target, {"root_cause": "pricing", "message": "x", "invoices": [theirs.invoices.first().pk],
                                    "amount": "1.00"})
    assert response.status_code in (404, 405)
    assert "Theirs Corp" not in response.content.decode()
    assert not Dispute.objects.exists() and not PortalRequest.objects.exists()


def test_a_sibling_in_the_family_is_not_visible_through_a_childs_link(client):
    parent = account(invoices=1)
    child, sibling = account(invoices=1, parent=parent), account(invoices=1, parent=parent)
    token = portal_token_for(child, family=True)
    assert client.get(reverse("portal_invoice_pdf", args=[token, sibling.invoices.get().pk])).status_code == 404
    assert client.get(reverse("portal_invoice_pdf", args=[token, parent.invoices.get().pk])).status_code == 404


def test_invoices_of_another_customer_are_not_a_valid_choice(client, two_customers):
    mine, my_credit, theirs, _ = two_customers
    token = portal_token_for(mine)
    pay_by = (date.today() + timedelta(days=5)).isoformat()
    response = client.post(reverse("portal_promise", args=[token]),
                           {"invoices": [theirs.invoices.first().pk], "pay_by": pay_by, "amount": "10.00"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = client.post(reverse("portal_credit_apply", args=[token, my_credit.pk]),
                           {"invoices": [theirs.invoices.first().pk], "amount": "10.00"})
    assert response.status_code == 400
    response = client.post(reverse("portal_autopay", args=[token]),
                           {"account": theirs.pk, "email": "a@b.example", "confirm": "on"})
    assert response.status_code == 400
    assert not PromiseToPay.objects.exists() and not PortalRequest.objects.exists()


def _bad_tokens(customer):
    good = portal_token_for(customer)
    payload = signing.loads(good, salt=SALT)
    payload["f"] = 1
    return {
        "tampered": (good[:-3] + ("xyz" if not good.endswith("xyz") else "abc"), 403),
        "forged": (signing.dumps(payload, salt=SALT, key="not-our-secret"), 403),
        "garbage": ("hello", 403),
    }


@pytest.mark.parametrize("name, kind", PORTAL_URLS)
def test_tampered_link_shows_a_clear_page_and_no_data(client, two_customers, name, kind):
    mine, my_credit, _, _ = two_customers
    for label, (token, status) in _bad_tokens(mine).items():
        for method in (client.get, client.post):
            response = method(_url(name, token, kind, mine.invoices.first(), my_credit))
            body = response.content.decode()
            if method == client.post and name in GET_ONLY:
                assert response.status_code == 405
            else:
                assert response.status_code == status, (label, method)
                assert "This link is not valid" in body
            assert "Mine Ltd" not in body and mine.invoices.first().external_id not in body
    assert not QueueTask.objects.exists()


@pytest.mark.parametrize("name, kind", PORTAL_URLS)
def test_expired_link_answers_410_with_no_data(client, two_customers, name, kind):
    mine, my_credit, _, _ = two_customers
    token = portal_token_for(mine, max_age_days=1)
    with mock.patch("portal.links.time.time", return_value=time.time() + 2 * 86400):
        response = client.get(_url(name, token, kind, mine.invoices.first(), my_credit))
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert "Mine Ltd" not in response.content.decode()


@pytest.mark.parametrize("name, kind", PORTAL_URLS)
def test_revoked_link_answers_410_with_no_data(client, two_customers, name, kind):
    mine, my_credit, _, _ = two_customers
    token = portal_token_for(mine)
    portal_access_revoke(customer=mine, reason="wrong recipient")
    method = client.get if name in GET_ONLY else client.post
    response = method(_url(name, token, kind, mine.invoices.first(), my_credit),
                           {"root_cause": "pricing", "message": "x", "score": "5"})
    assert response.status_code == 410
    assert "no longer active" in response.content.decode() and "Mine Ltd" not in response.content.decode()
    assert not Dispute.objects.exists()


def test_portal_posts_are_rate_limited_per_link(client, settings):
    settings.PORTAL_POST_LIMIT = 3
    customer = account(invoices=1)
    token = portal_token_for(customer)
    statuses = [client.post(reverse("portal_feedback", args=[token]), {"score": "4"}).status_code for _ in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert "Too many requests" in client.post(reverse("portal_feedback", args=[token]), {"score": "4"}).content.decode()
    # Reading still works, and another customer's link is not affected by this one's limit.
    assert client.get(reverse("portal_home", args=[token])).status_code == 200
    other = portal_token_for(account(invoices=1))
    response = client.post(reverse("portal_feedback", args=[other]), {"score": "4"}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302


def test_customers_behind_one_address_have_their_own_budgets(client, settings):
    # Behind a proxy every customer has the same address: one customer's posts use up only theirs.
    settings.PORTAL_POST_LIMIT = 1
    tokens = [portal_token_for(account(invoices=0)) for _ in range(6)]
    statuses = [client.post(reverse("portal_feedback", args=[t]), {"score": "3"}).status_code for t in tokens]
    assert statuses == [302] * 6


def test_htmx_post_without_csrf_token_is_refused():
    customer = account(invoices=1)
    token = portal_token_for(customer)
    browser = Client(enforce_csrf_checks=True)
    url = reverse("portal_dispute", args=[token, customer.invoices.get().pk])
    data = {"root_cause": "pricing", "message": "no token"}
    assert browser.post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    assert not Dispute.objects.exists()
    # The same request with the token from the page (as hx-headers sends it) goes through.
    browser.get(url)
    csrf = browser.cookies["csrftoken"].value
    response = browser.post(url, data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200 and response["HX-Redirect"]
    assert Dispute.objects.count() == 1


def test_login_is_locked_after_repeated_wrong_passwords(client, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    user = collector("locked_out_user")
    for _ in range(3):
        client.post(reverse("login"), {"username": user.username, "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post(reverse("login"), {"username": user.username, "password": "demo-pass-123"},
                           REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
