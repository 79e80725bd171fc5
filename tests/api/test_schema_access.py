"""The API's schema and docs are for signed-in users (API_DOCS_PUBLIC opens them); the schema
documents the error answers; a filter by another portfolio's customer answers like an unknown one."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def test_schema_needs_credentials(settings):
    settings.API_DOCS_PUBLIC = False
    assert APIClient().get(reverse("api_schema")).status_code in (401, 403)


def test_docs_page_sends_a_visitor_to_sign_in(client, settings):
    settings.API_DOCS_PUBLIC = False
    response = client.get(reverse("api_docs"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_schema_and_docs_for_a_token_or_a_session(book, client, settings):
    settings.API_DOCS_PUBLIC = False
    assert token_client(book["alice"]).get(reverse("api_schema")).status_code == 200
    client.force_login(book["manager"])
    docs = client.get(reverse("api_docs"))
    assert docs.status_code == 200
    # Swagger's start-up script is a separate file, not inline; only its styles may be inline.
    assert b"<script>" not in docs.content
    assert "script-src 'self';" in docs["Content-Security-Policy"]
    assert client.get(reverse("api_docs") + "?script").status_code == 200


def test_a_setting_makes_them_public(settings):
    settings.API_DOCS_PUBLIC = True
    assert APIClient().get(reverse("api_schema")).status_code == 200


def test_every_operation_documents_its_error_answers(book):
    schema = token_client(book["alice"]).get(reverse("api_schema") + "?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert {"400", "401", "403", "404", "429"} <= set(operation["responses"]), f"{method} {path}"


def test_another_portfolios_customer_and_an_unknown_one_answer_alike(book):
    alice = token_client(book["alice"])
    theirs = alice.get(reverse("api-invoice-list"), {"customer": book["theirs"][0].pk})
    unknown = alice.get(reverse("api-invoice-list"), {"customer": 987654321})
    assert theirs.status_code == unknown.status_code == 200
    assert theirs.json()["count"] == unknown.json()["count"] == 0


def test_own_customer_filter_still_works(book):
    response = token_client(book["alice"]).get(reverse("api-invoice-list"), {"customer": book["mine"][0].pk})
    assert response.status_code == 200 and response.json()["count"] == 3


@pytest.mark.parametrize("name", ["api-invoice-list", "api-payment-list", "api-promise-list", "api-dispute-list",
                                  "api-contact-list", "api-activity-list", "api-plan-list"])
def test_an_empty_filter_value_is_ignored(book, name):
    alice = token_client(book["alice"])
    everything = alice.get(reverse(name)).json()["count"]
    response = alice.get(reverse(name), {"customer": ""})
    assert response.status_code == 200 and response.json()["count"] == everything


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", str(2**70)])
def test_a_customer_filter_that_is_not_an_id_is_a_400(book, value):
    response = token_client(book["alice"]).get(reverse("api-invoice-list"), {"customer": value})
    assert response.status_code == 400 and "customer" in response.json()


def test_an_unknown_address_under_the_api_answers_json(book):
    response = token_client(book["alice"]).post("/api/customers/not-a-number/credit-hold/", {}, format="json")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
