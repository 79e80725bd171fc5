"""A bad report parameter is said beside the filters (and keeps its typed value), never silently
replaced by today's figures; an extreme date never reaches the computations; the API answers 400."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory, PortfolioFactory, collector, finance, manager
from tests.reporting.factories import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client):
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=collector("coll")))
    issue(customer, (timezone.localdate() - timedelta(days=60)).isoformat(), "100.00")
    user = manager()
    client.force_login(user)
    return user


@pytest.mark.parametrize("name, params, message", [
    ("reports_aging", {"as_of": "2026-02-30"}, "As of: give a date as YYYY-MM-DD"),
    ("reports_aging", {"as_of": "abc"}, "As of: give a date as YYYY-MM-DD"),
    ("reports_aging", {"as_of": "2099-01-01"}, "there are no figures for a day to come"),
    ("reports_aging", {"as_of": "0001-01-01"}, "As of must be on or after 2000-01-01."),
    ("reports_aging_invoices", {"as_of": "0001-01-01", "bucket": "current"}, "As of must be on or after 2000-01-01."),
    ("reports_dso", {"window_days": "-5"}, "The DSO window is 1 to 730 days."),
    ("reports_dso", {"window": "-5"}, "The DSO window is 1 to 730 days."),
    ("reports_dso", {"as_of": "9999-12-31"}, "there are no figures for a day to come"),
    ("reports_kpis", {"as_of": "0001-01-01"}, "As of must be on or after 2000-01-01."),
    ("reports", {"as_of": "0001-01-01"}, "As of must be on or after 2000-01-01."),
    ("forecast", {"as_of": "0001-01-01"}, "As of must be on or after 2000-01-01."),
    ("forecast", {"horizon_end": "9999-12-31"}, "The horizon must be on or before"),
])
def test_a_bad_report_parameter_is_said_beside_the_filters(client, boss, name, params, message):
    response = client.get(reverse(name), params)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page and message in page
    if name not in ("reports", "reports_aging_invoices"):  # pages with the filter form keep what was typed
        for key, value in params.items():
            if key not in ("bucket", "window"):
                assert f'value="{value}"' in page


def test_a_forecast_horizon_before_its_as_of_date_is_refused(client, boss):
    today = timezone.localdate()
    response = client.get(reverse("forecast"), {"as_of": today.isoformat(),
                                                        "horizon_end": (today - timedelta(days=3)).isoformat()})
    assert response.status_code == 400
    assert "must not be before the as-of date" in response.content.decode()


def test_the_htmx_fragment_carries_the_message_too(client, boss):
    response = client.get(reverse("reports_aging"), {"as_of": "2026-13-45"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "As of: give a date as YYYY-MM-DD" in response.content.decode()


def test_a_download_with_a_bad_parameter_is_refused(client, boss):
    response = client.get(reverse("reports_aging"), {"as_of": "2099-01-01", "export": "csv", "table": "aging"})
    assert response.status_code == 400
    assert "no figures for a day to come" in response.content.decode()


def test_good_parameters_show_no_message(client, boss):
    response = client.get(reverse("reports_aging"), {"as_of": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert "Some filters were not applied" not in response.content.decode()


@pytest.mark.parametrize("path, params, field", [
    ("/api/reports/aging/", {"as_of": "0001-01-01"}, "as_of"),
    ("/api/reports/aging/", {"as_of": "2099-01-01"}, "as_of"),
    ("/api/reports/dso/", {"as_of": "9999-12-31"}, "as_of"),
    ("/api/reports/cei/", {"month": "0001-01"}, "month"),
    ("/api/reports/cei/", {"month": "9999-12"}, "month"),
    ("/api/reports/cei/", {"quarter": "0001-Q1"}, "quarter"),
    ("/api/reports/forecast/", {"horizon_end": "9999-12-31"}, "horizon_end"),
    ("/api/reports/forecast/", {"as_of": "0001-01-01"}, "as_of"),
])
def test_the_report_api_answers_400_with_a_message(client, path, params, field):
    client.force_login(finance())
    response = client.get(path, params)
    assert response.status_code == 400
    assert field in response.json()
