"""Portal POSTs are budgeted per customer: every email brings the customer a new link, and behind a
proxy every customer has the same address, so neither the link nor the address can be the budget."""

import pytest
from django.urls import reverse

from portal.links import portal_token_for
from tests.portal.factories import account

pytestmark = pytest.mark.django_db


def feedback(client, token, address="10.0.0.1"):
    return client.post(reverse("portal_feedback", args=[token]), {"score": "4"}, REMOTE_ADDR=address).status_code


def test_a_customers_links_share_one_budget(client, settings):
    settings.PORTAL_POST_LIMIT = 3
    customer = account(invoices=0)
    tokens = [portal_token_for(customer) for _ in range(5)]  # five emails, five links
    assert [feedback(client, token) for token in tokens] == [302, 302, 302, 429, 429]


def test_the_budget_follows_the_customer_from_address_to_address(client, settings):
    settings.PORTAL_POST_LIMIT = 2
    customer = account(invoices=0)
    statuses = [feedback(client, portal_token_for(customer), f"10.0.0.{n}") for n in range(3)]
    assert statuses == [302, 302, 429]


def test_customers_behind_one_proxy_do_not_use_up_each_others_budget(client, settings):
    settings.PORTAL_POST_LIMIT = 2
    first, second = account(invoices=0), account(invoices=0)
    assert [feedback(client, portal_token_for(first)) for _ in range(3)] == [302, 302, 429]
    assert [feedback(client, portal_token_for(second)) for _ in range(2)] == [302, 302]


def test_a_family_links_posts_count_against_the_head_of_the_family(client, settings):
    settings.PORTAL_POST_LIMIT = 2
    head = account(invoices=0)
    account(invoices=0, parent=head)
    assert feedback(client, portal_token_for(head, family=True)) == 302
    assert feedback(client, portal_token_for(head)) == 302
    assert feedback(client, portal_token_for(head, family=True)) == 429
