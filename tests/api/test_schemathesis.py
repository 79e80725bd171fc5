"""Schemathesis against /api/schema/: every operation, generated requests, for a manager's token and a
collector's, with no server error, no response outside the schema (body, content type, status code:
400/401/403/404/429 are documented on every operation). Runs in-process against the WSGI app, inside
the test transaction.

The schema is read once at collection time (generating it touches no table; the schema is for
signed-in users, so it is read with API_DOCS_PUBLIC on); schemathesis's fixture-based loader does
not work with pytest 9.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from collections_app.wsgi import application

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]

with override_settings(API_DOCS_PUBLIC=True):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def keep_test_connection():
    """Django's test client keeps the test transaction's connection open across requests; a raw
    WSGI call would close it at request start and end, so do as the test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["manager", "alice"], ids=["manager", "collector"])
def api_token(request, book, keep_test_connection):
    return Token.objects.get_or_create(user=book[request.param])[0].key


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_answers_every_generated_request_within_its_schema(case, api_token):
    case.call_and_validate(headers={"Authorization": f"Token {api_token}"}, checks=CHECKS)
