"""`make bench` opens each morning page cold for five people at once, through a real server."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from devtools.benchmarks.at_once import together
from devtools.benchmarks.load import session_cookie
from reporting.cache import figures_changed
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, collector, manager


@pytest.mark.django_db(transaction=True)
def test_five_requests_leave_together_each_with_its_wait_and_status(live_server, settings):
    settings.REPORT_CACHE_SECONDS = 600
    boss = manager("at_once_boss")
    for account in CustomerFactory.create_batch(2, portfolio=PortfolioFactory(collector=collector("at_once_c"))):
        InvoiceFactory(customer=account)
    cookie = session_cookie(boss)
    figures_changed()
    waits = together(live_server.url, reverse("team"), cookie, 5)
    assert len(waits) == 5 and {status for _, status in waits} == {200}
    assert all(ms > 0 for ms, _ in waits)
    _, status = together(live_server.url, reverse("team"), "not-a-session", 1)[0]
    assert status == 302  # a wrong session is told, not timed as a page


@pytest.mark.django_db
def test_bench_says_why_it_did_not_open_the_pages_at_once(tmp_path):
    manager("bench_boss_at_once")
    InvoiceFactory(customer=CustomerFactory())
    out = StringIO()
    call_command("bench", "--small", "--skip", "dunning,statements,reports,queue,workspace,managers,scoring,import,"
                 "memory,load,webhooks,cash,forecast_model", "--output", str(tmp_path / "results.json"), stdout=out)
    result = json.loads((tmp_path / "results.json").read_text())["same_page_at_once"]
    assert "gunicorn cannot see this database" in result["skipped"]  # the test database is not shared
    assert "5 at once, same cold page" in out.getvalue()
