"""GET /api/inbound-emails/: scoped like the rest of the API, filterable, a cursor with after=."""

import pytest
from django.urls import reverse

from inbox.services import inbound_ingest
from tests.api.conftest import integration_user, token_client
from tests.factories import PortfolioFactory, collector, finance
from tests.inbox.ingest_book import corpus, make_book

URL = "/api/inbound-emails/"


@pytest.fixture
def mail(db):
    alice = collector("alice_inbox")
    book = make_book(portfolio=PortfolioFactory(collector=alice))  # Globex is Alice's
    rows = {name: inbound_ingest(corpus(name, book), source="file")[0] for name in (
        "gmail_en_alternative_qp.eml", "attachments_en_remittance.eml", "shift_jis_ja_base64.eml",
        "unknown_sender_nl_8bit.eml")}
    return {"alice": alice, "bob": collector("bob_inbox"), "book": book, "rows": rows}


def test_the_url_is_the_named_route():
    assert reverse("api-inbound-email-list") == URL
    assert reverse("api-inbound-email-detail", kwargs={"pk": 7}) == f"{URL}7/"


def test_a_collector_sees_the_mail_of_their_accounts_only(mail):
    rows = token_client(mail["alice"]).get(URL).json()["results"]

    assert {r["subject"] for r in rows} == {"Re: Invoice INV-1001 is past due", "Remittance advice INV-1001"}
    assert token_client(mail["bob"]).get(URL).json()["results"] == []
    other = mail["rows"]["shift_jis_ja_base64.eml"]
    assert token_client(mail["alice"]).get(f"{URL}{other.pk}/").status_code == 404


def test_the_whole_book_sees_everything_with_the_fields_of_the_issue(mail):
    rows = token_client(integration_user("erp_inbox")).get(URL, {"ordering": "received_at"}).json()["results"]

    assert len(rows) == 4
    gmail = next(r for r in rows if r["subject"].startswith("Re: Invoice"))
    book = mail["book"]
    assert (gmail["customer"], gmail["customer_external_id"], gmail["matched_by"]) == (
        book.globex.pk, book.globex.external_id, "in_reply_to")
    assert gmail["in_reply_to"] == book.reminder.provider_message_id and gmail["answers"] == book.reminder.pk
    assert gmail["classification"] and gmail["received_at"] == "2026-12-01T09:02:03Z"
    unmatched = next(r for r in rows if r["matched_by"] == "none")
    assert unmatched["customer"] is None and unmatched["customer_external_id"] is None
    remittance = next(r for r in rows if r["subject"].startswith("Remittance"))
    assert [a["filename"] for a in remittance["attachments"]] == ["remittance.pdf", "scan signé.pdf"]


@pytest.mark.parametrize(("params", "subjects"), [
    ({"matched_by": "sender"}, {"Re: 請求書 INV-4004 のお支払い"}),
    ({"customer__isnull": "true"}, {"Re: Herinnering factuur"}),
    ({"received_at__lte": "2026-12-01T09:30:00Z"},
     {"Re: 請求書 INV-4004 のお支払い", "Re: Invoice INV-1001 is past due"}),
])
def test_filters(mail, params, subjects):
    rows = token_client(finance("fin_inbox")).get(URL, params).json()["results"]
    assert {r["subject"] for r in rows} == subjects


def test_bad_filter_values_are_400_with_a_message(mail):
    response = token_client(finance("fin_inbox")).get(URL, {"received_at__gte": "yesterday"})
    assert response.status_code == 400 and "received_at__gte" in response.json()


def test_after_is_a_cursor_in_id_order(mail):
    erp = token_client(integration_user("erp_inbox"))
    first = erp.get(URL, {"after": 0, "limit": 3}).json()
    rest = erp.get(URL, {"after": first["next_after"], "limit": 3}).json()

    ids = [r["id"] for r in first["results"] + rest["results"]]
    assert ids == sorted(e.pk for e in mail["rows"].values())
    assert first["has_more"] is True and rest["has_more"] is False


def test_the_list_costs_the_same_queries_for_more_rows(mail, django_assert_max_num_queries):
    erp = token_client(integration_user("erp_inbox"))
    for name in ("outlook_de_cp1252_base64.eml", "html_only_fr_latin1.eml", "auto_reply_de.eml", "bounce_dsn.eml"):
        inbound_ingest(corpus(name, mail["book"]), source="imap")
    with django_assert_max_num_queries(6):
        response = erp.get(URL)
    assert response.status_code == 200 and response.json()["count"] == 8


def test_it_is_read_only(mail):
    response = token_client(integration_user("erp_inbox")).post(URL, {"subject": "x"})
    assert response.status_code in (403, 405)
