"""A refused request (403) logs one line, without PermissionDenied's traceback; a server error
still logs its traceback."""

import logging
import sys

import pytest
from django.urls import reverse

from core.request_log import RefusalWithoutTraceback
from tests.factories import collector

pytestmark = pytest.mark.django_db


def test_a_403_logs_one_line_without_a_traceback(client, caplog):
    client.force_login(collector("plain-collector"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("forecast")).status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].getMessage() == "Forbidden (Permission denied): /reports/forecast/"
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text


def test_other_request_records_keep_their_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x/", (),
                               exc_info)
    record.status_code = 500
    assert RefusalWithoutTraceback().filter(record) is True
    assert record.exc_info is exc_info
