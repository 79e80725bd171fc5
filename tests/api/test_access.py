"""Per-object permissions: every API object URL, asked with another collector's token, is not found."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ledger.models import Application, Contact, CreditNote, Customer, Invoice, Payment
from tests.api.conftest import token_client
from work.models import Activity, Dispute, PromiseToPay

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "api-customer": (Customer, "pk"),
    "api-contact": (Contact, "customer"),
    "api-invoice": (Invoice, "customer"),
    "api-payment": (Payment, "customer"),
    "api-credit-note": (CreditNote, "customer"),
    "api-application": (Application, "invoice__customer"),
    "api-activity": (Activity, "customer"),
    "api-promise": (PromiseToPay, "customer"),
    "api-dispute": (Dispute, "customer"),
}


def _rows(model, path, customers):
    return model.objects.filter(**{f"{path}__in" if path != "pk" else "pk__in": [c.pk for c in customers]})


@pytest.mark.parametrize("basename", ENDPOINTS)
def test_collector_sees_only_own_portfolio_and_other_objects_are_not_found(book, basename):
    model, path = ENDPOINTS[basename]
    alice = token_client(book["alice"])
    mine = set(_rows(model, path, book["mine"]).values_list("pk", flat=True))
    theirs = list(_rows(model, path, book["theirs"]).values_list("pk", flat=True))
    assert mine and theirs
    listed = alice.get(reverse(f"{basename}-list"))
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == mine
    for pk in theirs:
        assert alice.get(reverse(f"{basename}-detail", args=[pk])).status_code == 404
    for pk in mine:
        assert alice.get(reverse(f"{basename}-detail", args=[pk])).status_code == 200


@pytest.mark.parametrize("role", ["manager", "finance", "erp"])
@pytest.mark.parametrize("basename", ENDPOINTS)
def test_managers_finance_and_integrations_see_the_whole_book(book, role, basename):
    model, _ = ENDPOINTS[basename]
    response = token_client(book[role]).get(reverse(f"{basename}-list"))
    assert response.status_code == 200
    assert response.json()["count"] == model.objects.count()


@pytest.mark.parametrize("basename", ENDPOINTS)
def test_ledger_rows_are_read_only_for_everyone(book, basename):
    model, _ = ENDPOINTS[basename]
    pk = model.objects.first().pk
    erp = token_client(book["erp"])
    assert erp.put(reverse(f"{basename}-detail", args=[pk]), {}, format="json").status_code == 405
    assert erp.patch(reverse(f"{basename}-detail", args=[pk]), {}, format="json").status_code == 405
    assert erp.delete(reverse(f"{basename}-detail", args=[pk])).status_code == 405
    if basename not in ("api-activity", "api-promise", "api-dispute"):
        assert erp.post(reverse(f"{basename}-list"), {}, format="json").status_code == 405


@pytest.mark.parametrize("basename", ["api-activity", "api-promise", "api-dispute"])
def test_finance_is_read_only(book, basename):
    customer = book["mine"][0]
    response = token_client(book["finance"]).post(reverse(f"{basename}-list"), {"customer": customer.pk},
                                                  format="json")
    assert response.status_code == 403


def test_a_user_without_a_role_gets_nothing(book):
    assert token_client(book["nobody"]).get(reverse("api-invoice-list")).status_code == 403


def test_anonymous_and_bad_tokens_are_refused(book):
    assert APIClient().get(reverse("api-invoice-list")).status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bad.get(reverse("api-invoice-list")).status_code == 401


def test_session_auth_works_for_the_browser(client, book):
    client.force_login(book["alice"])
    response = client.get(reverse("api-customer-list"))
    assert response.status_code == 200
    assert {row["external_id"] for row in response.json()["results"]} == {c.external_id for c in book["mine"]}
