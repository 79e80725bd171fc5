"""Team pages say when a parameter is refused (keeping the typed value) instead of showing today's
figures silently; extreme dates (year 1, year 9999) never reach the computations."""

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory, PortfolioFactory, collector, manager
from tests.reporting.factories import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client):
    alice = collector("alice")
    CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    boss = manager("boss")
    client.force_login(boss)
    return boss


@pytest.mark.parametrize("params, message", [
    ({"as_of": "2026-13-45"}, "As of: give a date as YYYY-MM-DD"),
    ({"as_of": "0001-01-01"}, "As of must be on or after 2000-01-01."),
    ({"as_of": "9999-12-31"}, "there are no figures for a day to come"),
])
def test_team_dashboard_says_a_bad_as_of(client, boss, params, message):
    response = client.get(reverse("team"), params)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page and message in page
    assert f'value="{params["as_of"]}"' in page


def test_team_dashboard_fragment_says_it_too(client, boss):
    response = client.get(reverse("team"), {"as_of": "0001-01-01"}, headers={"HX-Request": "true"})
    assert "As of must be on or after 2000-01-01." in response.content.decode()


def test_good_as_of_shows_no_message(client, boss):
    response = client.get(reverse("team"), {"as_of": "2026-09-30"})
    assert "Some filters were not applied" not in response.content.decode()


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "abc"])
def test_one_on_one_refuses_an_extreme_week(client, boss, week):
    response = client.get(reverse("one_on_one", args=["alice"]), {"week": week})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "2026-13"])
def test_targets_refuse_an_extreme_month(client, boss, month):
    response = client.get(reverse("team_targets"), {"month": month})
    assert response.status_code == 200
    assert "The month" in response.content.decode()


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_root_causes_refuse_an_extreme_date(client, boss, as_of):
    issue(CustomerFactory(), "2026-09-01", "100.00")
    response = client.get(reverse("root_causes"), {"as_of": as_of})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
