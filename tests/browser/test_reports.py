"""Finance signs in, reads aging, DSO and the forecast on the worked-example book, drills into a
bucket in place (HTMX), and downloads a CSV and an XLSX whose totals match the page and the engine."""

import csv
import io
import os
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from reporting import metrics
from tests.factories import PortfolioFactory, collector, finance
from tests.reporting.factories import worked_example

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "/tmp/cw-ui")
D = "2026-09-30"


def shot(page, name: str) -> None:
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def test_finance_reads_aging_dso_forecast_and_downloads_exports(page, login):
    worked_example(portfolio=PortfolioFactory(name="West", collector=collector("alice")))
    finance("fiona")
    engine_total = metrics.aging(as_of=date(2026, 9, 30)).total
    login("fiona")

    page.goto(f"/reports/aging/?as_of={D}&group_by=customer")
    assert page.locator("[data-figure=ar]").inner_text() == "4,000.00"
    assert page.locator("canvas[data-chart=buckets]").is_visible()
    page.locator("tr", has_text="C1").get_by_role("link", name="1,500.00").click()
    page.wait_for_selector("#drilldown table")
    assert "1 invoice" in page.locator("#drilldown").inner_text()
    assert "/reports/aging/invoices/" not in page.url  # swapped in place, the aging page stays
    shot(page, "reports-aging.png")

    with page.expect_download() as download_info:
        page.locator(".card", has_text="Book").get_by_role("link", name="CSV").first.click()
    with open(download_info.value.path(), encoding="utf-8") as export:
        rows = list(csv.DictReader(export))
    assert sum(Decimal(row["total"]) for row in rows) == engine_total == Decimal("4000.00")

    page.goto(f"/reports/dso/?as_of={D}")
    assert page.locator("[data-figure=dso]").inner_text() == "51.43"
    assert page.locator("[data-figure=dso-countback]").inner_text() == "43.29"
    assert "÷ credit sales of the last 90 days" in page.locator(".kpi", has_text="DSO").first.inner_text()
    with page.expect_download() as download_info:
        page.locator(".card", has_text="Month-ends").get_by_role("link", name="XLSX").click()
    with open(download_info.value.path(), "rb") as xlsx:
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.read())).active
    header = [cell.value for cell in sheet[1]]
    september = [row for row in sheet.iter_rows(min_row=2, values_only=True) if str(row[0]).startswith(D)][0]
    assert Decimal(str(september[header.index("AR")])) == Decimal("4000.00")
    assert Decimal(str(september[header.index("DSO")])) == Decimal("51.43")
    shot(page, "reports-dso.png")

    page.goto(f"/reports/forecast/?as_of={D}&horizon_end=2026-10-31")
    assert page.locator("[data-figure=forecast]").inner_text() == "3,500.00"
    assert page.locator("[data-figure=at-risk]").inner_text() == "0.00"
    shot(page, "reports-forecast.png")
