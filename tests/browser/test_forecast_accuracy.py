"""Finance finds the accuracy page from the forecast, reads the rule's and the model's errors beside each
other with the chart drawn, and changes the months in place (HTMX)."""

import pytest
from playwright.sync_api import expect

from tests.factories import finance
from tests.reporting.test_backtest import AS_OF, build_book

pytestmark = pytest.mark.django_db(transaction=True)


def test_finance_reads_the_forecast_accuracy(page, login, settings):
    settings.FORECAST_MODEL_MIN_CLOSED = 20
    build_book(customers=2)
    finance("fiona")
    login("fiona")
    page.goto(f"/reports/forecast/?as_of={AS_OF.isoformat()}")
    link = page.get_by_role("link", name="Forecast accuracy →")
    assert link.get_attribute("href") == f"/reports/forecast/accuracy/?as_of={AS_OF.isoformat()}"
    page.goto(f"/reports/forecast/accuracy/?as_of={AS_OF.isoformat()}&months=2", timeout=120000)
    rows = page.locator("#report tbody tr")
    expect(rows).to_have_count(2)
    assert "2026-06" in page.locator("#report tbody").inner_text()
    assert page.locator("[data-figure=mape-rule]").is_visible()
    assert page.locator("[data-figure=mape-model]").is_visible()
    assert page.locator("canvas[data-chart=mixed]").is_visible()
    page.fill("#backtest-months", "1")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1, timeout=120000)
    assert "/reports/forecast/accuracy/" in page.url and "months=1" in page.url
