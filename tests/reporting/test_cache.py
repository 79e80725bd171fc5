"""Report figures kept for web pages: kept per report and exact arguments (so per collector), shown
with the time they were computed, recomputed on request, and never kept outside web pages."""

import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import Customer
from reporting import metrics
from reporting.cache import PageFigures, _key, _page, kept, warming
from team.warm import morning_figures_warm
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


@contextmanager
def page_context():
    """What the middleware sets up for one web request, for a thread that is not one."""
    token = _page.set(PageFigures())
    try:
        yield
    finally:
        _page.reset(token)


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


def test_one_figure_asked_for_two_ways_is_one_key(keeping):
    """Bound arguments with the defaults filled in: positional, by name, the default spelled out."""
    calls = []

    @kept
    def report(as_of, *, months: int = 6, collector=None):
        calls.append(as_of)
        return len(calls)

    with warming(600):
        assert report(D) == report(as_of=D) == report(D, months=6, collector=None) == 1
        assert report(D, months=12) == 2


def test_the_forecast_page_and_the_targets_page_share_the_forecast(keeping, two_portfolios):
    """The forecast's default horizon is the month's end, which the targets page passes itself."""
    with warming(600) as page:
        metrics.forecast(as_of=D)
        metrics.forecast(as_of=D, horizon_end=date(2026, 9, 30))
        assert len(page.computed) == 1


def test_keys_name_the_database(settings):
    first = _key("r", (D,), {})
    settings.DATABASES = {"default": {**settings.DATABASES["default"], "NAME": "another_book"}}
    assert _key("r", (D,), {}) != first


def test_a_kept_report_leaves_its_invoice_frame_out_of_the_cache(keeping, two_portfolios):
    with warming(600):
        computed = metrics.forecast(as_of=D)
    assert computed.invoices is not None  # the caller that computed it still has it
    with warming(600) as page:
        page.recompute = False
        kept_report = metrics.forecast(as_of=D)
    assert kept_report.invoices is None and kept_report.forecast == computed.forecast
    assert kept_report.at_risk_invoices == computed.at_risk_invoices


def test_people_asking_for_the_same_missing_figure_at_once_share_one_computation(keeping):
    calls, answers = [], []
    started = threading.Event()

    @kept
    def slow(as_of):
        calls.append(as_of)
        started.set()
        time.sleep(0.5)
        return "figure"

    def visit():
        with page_context():
            answers.append(slow(D))

    first = threading.Thread(target=visit)
    first.start()
    started.wait(5)
    others = [threading.Thread(target=visit) for _ in range(4)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(10)
    assert answers == ["figure"] * 5 and len(calls) == 1


def test_the_morning_warm_up_makes_the_first_visit_of_the_day_a_kept_one(client, keeping, two_portfolios):
    boss = manager()
    assert morning_figures_warm(timezone.localdate()) > 0
    client.force_login(boss)
    for name in ("team", "forecast", "reports_dso", "reports_kpis", "root_causes"):
        response = client.get(reverse(name))
        assert response.status_code == 200 and b"Figures computed at" in response.content, name


def test_accounts_changing_hands_make_the_kept_reports_by_collector_obsolete(
        client, keeping, two_portfolios, django_capture_on_commit_callbacks):
    """A reassignment (or a portfolio given to another collector) moves the figures of every report
    grouped by collector: the next visit shows them as computed now, not as kept."""
    from ledger.assignments import customers_assign

    (alice, kept_0), (bob, kept_1) = two_portfolios
    client.force_login(manager())

    def ar_by_collector():
        rows = client.get(reverse("team")).context["dashboard"].rows
        return {row.collector.username: row.ar for row in rows if row.collector in (alice, bob)}

    assert ar_by_collector() == {alice.username: 100, bob.username: 250}
    with django_capture_on_commit_callbacks(execute=True):  # the write commits
        customers_assign(customer_ids=[kept_1.pk], portfolio=kept_0.portfolio, reason="Cover")
    assert ar_by_collector() == {alice.username: 350, bob.username: 0}
    with django_capture_on_commit_callbacks(execute=True):
        bob_portfolio = PortfolioFactory(collector=bob)
        customers_assign(customer_ids=[kept_1.pk], portfolio=bob_portfolio)
    assert ar_by_collector() == {alice.username: 100, bob.username: 250}
    with django_capture_on_commit_callbacks(execute=True):
        bob_portfolio.collector = alice
        bob_portfolio.save()
    assert ar_by_collector() == {alice.username: 350, bob.username: 0}
