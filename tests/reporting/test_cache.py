"""Report figures kept for web pages: kept per report and exact arguments (so per collector), shown
with the time they were computed, recomputed on request, and never kept outside web pages."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from ledger.models import Customer
from reporting import metrics
from reporting.cache import _key, kept
from tests.factories import CustomerFactory, PortfolioFactory, collector, manager
from tests.reporting.factories import issue

D = date(2026, 9, 30)
pytestmark = pytest.mark.django_db


@pytest.fixture
def keeping(settings):
    settings.REPORT_CACHE_SECONDS = 600


@pytest.fixture
def two_portfolios():
    out = []
    for n, amount in enumerate(("100.00", "250.00")):
        portfolio = PortfolioFactory(collector=collector(f"keeper{n}"))
        customer = CustomerFactory(portfolio=portfolio, name=f"Kept {n}")
        issue(customer, "2026-08-01", amount, due="2026-08-31")
        out.append((portfolio.collector, customer))
    return out


def _aging(client, **params):
    return client.get(reverse("reports_aging"), {"as_of": D.isoformat(), **params})


def test_a_page_shows_kept_figures_with_their_time_and_recomputes_on_request(client, keeping, two_portfolios):
    client.force_login(manager())
    first = _aging(client)
    assert first.context["report"].total == metrics.aging(as_of=D).total
    assert b"Recompute now" not in first.content  # computed for this request: nothing to say

    issue(two_portfolios[0][1], "2026-09-01", "1000.00", due="2026-09-15")
    kept_page = _aging(client)
    assert kept_page.context["report"].total == first.context["report"].total  # kept
    body = kept_page.content.decode()
    assert "Figures computed at" in body and "fresh=1" in body and "Recompute now" in body

    fresh = _aging(client, fresh="1")
    assert fresh.context["report"].total == metrics.aging(as_of=D).total == first.context["report"].total + 1000
    assert _aging(client).context["report"].total == fresh.context["report"].total  # the recomputed one is kept


def test_each_collector_gets_their_own_kept_figures(client, keeping, two_portfolios):
    (alice, _), (bob, _) = two_portfolios
    client.force_login(alice)
    assert _aging(client).context["report"].total == 100
    client.force_login(bob)
    assert _aging(client).context["report"].total == 250
    assert _aging(client, collector=alice.username).context["report"].total == 250  # still only their own


def test_figures_are_always_computed_outside_web_pages(keeping, two_portfolios):
    before = metrics.aging(as_of=D).total
    issue(two_portfolios[0][1], "2026-09-01", "5.00", due="2026-09-15")
    assert metrics.aging(as_of=D).total == before + 5  # the API, jobs, commands and the bench compute


def test_the_api_computes_its_figures(client, keeping, two_portfolios):
    client.force_login(manager())
    url = reverse("api_reports_aging")
    first = client.get(url, {"as_of": D.isoformat()})
    assert first.status_code == 200
    issue(two_portfolios[1][1], "2026-09-01", "7.00", due="2026-09-15")
    assert client.get(url, {"as_of": D.isoformat()}).json() != first.json()


def test_only_plain_arguments_make_a_key():
    assert _key("r", (D,), {"collector": None, "scope": {"segment": "smb"}, "ids": [1, 2]})
    assert _key("r", (D,), {}) != _key("r", (D + timedelta(days=1),), {})
    assert _key("r", (), {"customers": Customer.objects.all()}) is None  # a queryset: computed every time
    assert _key("r", (), {"odd": {1: "a", "b": 2}}) is None  # keys that do not sort

    calls = []

    @kept
    def report(*, customers):
        calls.append(1)
        return len(calls)

    assert report(customers=Customer.objects.all()) == 1 and report(customers=Customer.objects.all()) == 2


@pytest.mark.parametrize("name", ["team", "forecast", "reports_dso", "reports_kpis", "root_causes"])
def test_the_heavy_pages_keep_their_figures(client, keeping, two_portfolios, name):
    client.force_login(manager())
    assert client.get(reverse(name)).status_code == 200
    again = client.get(reverse(name))
    assert again.status_code == 200 and b"Figures computed at" in again.content
