"""Filtering, ordering, pagination, query counts and throttling of the list endpoints."""

import re
from unittest import mock

import pytest
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from tests.api.conftest import book_for, token_client
from tests.factories import PortfolioFactory

pytestmark = pytest.mark.django_db


def test_invoices_filter_by_customer_external_id_status_and_due_date(book):
    erp = token_client(book["erp"])
    rows = erp.get(reverse("api-invoice-list"), {"customer__external_id": "A001"}).json()["results"]
    assert {r["external_id"] for r in rows} == {"A001-I0", "A001-I1", "A001-I2"}
    rows = erp.get(reverse("api-invoice-list"), {"due_date__gte": "2026-09-02", "status": "open"}).json()["results"]
    assert {r["external_id"] for r in rows} == {"A000-I2", "A001-I2", "B000-I2", "B001-I2"}


def test_promises_filter_by_status_and_order(book):
    erp = token_client(book["erp"])
    rows = erp.get(reverse("api-promise-list"), {"status": "open", "ordering": "-pay_by"}).json()["results"]
    assert len(rows) == 4 and all(r["status"] == "open" for r in rows)


def test_customers_carry_their_open_balance_and_order_by_it(book):
    rows = token_client(book["manager"]).get(reverse("api-customer-list"), {"ordering": "-open_balance"}).json()
    balances = [r["open_balance"] for r in rows["results"]]
    # 3 × 1000 issued, 300 paid, 50 credited
    assert balances == ["2650.00"] * 4


def test_pagination(book, settings):
    erp = token_client(book["erp"])
    with mock.patch("rest_framework.pagination.PageNumberPagination.page_size", 5):
        first = erp.get(reverse("api-invoice-list")).json()
        assert first["count"] == 12 and len(first["results"]) == 5 and first["next"]
        assert len(erp.get(first["next"]).json()["results"]) == 5


def test_list_query_count_does_not_grow_with_rows(book, django_assert_max_num_queries):
    book_for(PortfolioFactory(collector=book["alice"]), customers=15, prefix="X")
    alice = token_client(book["alice"])
    for name in ("api-customer-list", "api-invoice-list", "api-activity-list", "api-promise-list",
                 "api-dispute-list", "api-application-list", "api-contact-list"):
        with django_assert_max_num_queries(8):
            response = alice.get(reverse(name))
        assert response.status_code == 200 and response.json()["count"] >= 17


def test_api_is_throttled_per_user(book):
    alice = token_client(book["alice"])
    with mock.patch.object(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "2/minute"}):
        statuses = [alice.get(reverse("api-invoice-list")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        # Another user has a budget of their own.
        assert token_client(book["bob"]).get(reverse("api-invoice-list")).status_code == 200


def test_anonymous_schema_requests_are_throttled(client, settings):
    settings.API_DOCS_PUBLIC = True  # anonymous requests reach the schema only when it is public
    with mock.patch.object(SimpleRateThrottle, "THROTTLE_RATES", {"user": "100/minute", "anon": "2/minute"}):
        statuses = [client.get(reverse("api_schema")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_docs_page_loads_swagger_from_our_own_server(client, settings):
    settings.API_DOCS_PUBLIC = True
    body = client.get(reverse("api_docs")).content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', body) + re.findall(r'href="([^"]+\.css)"', body)
    assert any(src.endswith("swagger-ui-bundle.js") for src in scripts)
    assert all(src.startswith("/") and not src.startswith("//") for src in scripts), scripts
    assert "cdn" not in body.lower() and "unpkg" not in body.lower()


def test_docs_assets_are_served_from_the_sidecar_package(client):
    response = client.get(reverse("api_docs_asset", args=["swagger-ui-dist/swagger-ui-bundle.js"]))
    assert response.status_code == 200
    assert b"SwaggerUI" in b"".join(response.streaming_content)
    assert client.get(reverse("api_docs_asset", args=["../../__init__.py"])).status_code == 404
    assert client.get(reverse("api_docs_asset", args=["redoc/bundles/redoc.standalone.js"])).status_code == 404


def test_schema_documents_every_endpoint(client, settings):
    settings.API_DOCS_PUBLIC = True
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/customers/", "/api/contacts/", "/api/invoices/{id}/", "/api/payments/", "/api/credit-notes/",
                 "/api/applications/", "/api/activities/", "/api/promises/", "/api/disputes/",
                 "/api/import/invoices/", "/api/import/customers/", "/api/import/payments/", "/api/import/credits/"):
        assert path in schema["paths"], path
    assert "post" not in schema["paths"]["/api/invoices/"]
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


@pytest.mark.parametrize("endpoint, field", [("api-activity-list", "occurred_at"), ("api-promise-list", "created_at"),
                                             ("api-plan-list", "created_at"), ("api-customer-list", "updated_at")])
def test_date_time_filters_accept_any_utc_offset_python_reads(book, endpoint, field):
    """PostgreSQL refuses offsets beyond ±15:59 that Python accepts; the filters compare in UTC."""
    erp = token_client(book["erp"])
    response = erp.get(reverse(endpoint), {f"{field}__gte": "2000-01-01T00:00:00+23:00"})
    assert response.status_code == 200
    assert erp.get(reverse(endpoint), {f"{field}__gte": "0001-01-01T00:00:00+23:00"}).status_code == 400
