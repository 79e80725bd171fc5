"""/api/invoices/: `page_size` is honoured, and `?after=<id>` walks the list in its own order (due date,
then id) from the index, every invoice once, with a fixed number of queries per page."""

import pytest
from django.urls import reverse

from ledger.models import Invoice
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db
URL = "api-invoice-list"


def _walk(client, **params) -> list[dict]:
    seen, after = [], 0
    while True:
        answer = client.get(reverse(URL), {"after": after, **params})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        seen += body["results"]
        after = body["next_after"]
        if not body["has_more"]:
            return seen


def test_page_numbers_honour_page_size(book):
    erp = token_client(book["erp"])
    body = erp.get(reverse(URL), {"page_size": 3}).json()
    assert len(body["results"]) == 3 and body["count"] == Invoice.objects.count() > 3
    assert erp.get(reverse(URL), {"page_size": 10_000}).json()["results"].__len__() == min(500, body["count"])


def test_after_walks_every_invoice_once_in_due_date_then_id_order(book):
    erp = token_client(book["erp"])
    walked = _walk(erp, page_size=2)
    expected = list(Invoice.objects.order_by("due_date", "id").values_list("external_id", flat=True))
    assert [row["external_id"] for row in walked] == expected


def test_after_keeps_the_filters_and_the_callers_scope(book):
    alice = token_client(book["alice"])
    walked = _walk(alice, page_size=1, status="open")
    mine = Invoice.objects.filter(customer__portfolio__collector=book["alice"], status="open")
    assert {row["external_id"] for row in walked} == set(mine.values_list("external_id", flat=True))
    theirs = Invoice.objects.filter(customer__portfolio__collector=book["bob"]).first()
    refused = alice.get(reverse(URL), {"after": theirs.pk})
    assert refused.status_code == 400 and "after" in refused.json()


def test_after_refuses_another_order_and_bad_numbers(book):
    erp = token_client(book["erp"])
    assert erp.get(reverse(URL), {"after": 0, "ordering": "-amount"}).status_code == 400
    assert erp.get(reverse(URL), {"after": "x"}).status_code == 400
    assert erp.get(reverse(URL), {"after": 0, "page_size": 0}).status_code == 400


def test_a_keyset_page_takes_a_fixed_number_of_queries(book, django_assert_max_num_queries):
    erp = token_client(book["erp"])
    first = erp.get(reverse(URL), {"after": 0, "page_size": 2}).json()
    with django_assert_max_num_queries(6):
        assert erp.get(reverse(URL), {"after": first["next_after"], "page_size": 5}).status_code == 200
