"""A portal link for a parent shows its whole subtree, at any depth, and nothing above or beside it
(the three-level book of tests/ledger/test_hierarchy.py)."""

import pytest
from django.urls import reverse

from portal.links import portal_link_check, portal_token_for, shows_family
from reminders.rendering import portal_url
from tests.ledger.test_hierarchy import globex_book

pytestmark = pytest.mark.django_db


def codes(book, ids) -> set[str]:
    by_pk = {c.pk: code for code, c in book.items()}
    return {by_pk[pk] for pk in ids}


def test_a_family_link_shows_the_subtree_of_its_account():
    book = globex_book()
    assert codes(book, portal_link_check(portal_token_for(book["G"], family=True)).customer_ids) == {
        "G", "R1", "S1", "S2", "R2", "S3"}
    assert codes(book, portal_link_check(portal_token_for(book["R1"], family=True)).customer_ids) == {
        "R1", "S1", "S2"}
    assert codes(book, portal_link_check(portal_token_for(book["S3"], family=True)).customer_ids) == {"S3"}
    assert codes(book, portal_link_check(portal_token_for(book["R1"])).customer_ids) == {"R1"}


def test_the_link_a_message_carries_is_a_family_link_for_every_parent():
    book = globex_book()
    assert [shows_family(book[code]) for code in ("G", "R1", "S1", "L")] == [True, True, False, True]
    token = portal_url(book["R2"]).rstrip("/").rsplit("/", 1)[-1]
    assert codes(book, portal_link_check(token).customer_ids) == {"R2", "S3"}


def test_the_home_page_of_a_region_lists_its_sites_invoices_only(client):
    book = globex_book()
    response = client.get(reverse("portal_home", args=[portal_token_for(book["R1"], family=True)]))
    assert response.status_code == 200
    page = response.content.decode()
    assert all(f"INV-{code}" in page for code in ("R1", "S1", "S2"))
    assert not any(f"INV-{code}" in page for code in ("G", "R2", "S3", "L"))
    assert "Globex Oslo (S1)" in page and "Globex Bergen (S2)" in page and "Globex Group" not in page
