"""`make bench` times the managers' morning pages computed from scratch and kept, beside their targets."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, collector, finance, manager

pytestmark = pytest.mark.django_db
OTHER_PARTS = "dunning,statements,reports,queue,workspace,scoring,import,memory,load"


def test_bench_times_each_morning_page_cold_and_kept(tmp_path):
    manager("bench_boss")
    finance("bench_money")
    busy = collector("bench_busy")
    for account in CustomerFactory.create_batch(2, portfolio=PortfolioFactory(collector=busy)):
        InvoiceFactory(customer=account)
    out = StringIO()
    call_command("bench", "--small", "--skip", OTHER_PARTS, "--output", str(tmp_path / "results.json"), stdout=out)
    pages = json.loads((tmp_path / "results.json").read_text())["manager_pages"]["pages"]
    labels = {page["page"] for page in pages}
    assert {"team dashboard", "forecast", "forecast versus XLSX", "DSO", "KPIs", "root causes", "one-on-one"} <= labels
    assert all(page["status"] == 200 and page["cold_ms"] > 0 and page["kept_ms"] > 0 for page in pages)
    assert "team dashboard: cold ms / kept ms" in out.getvalue() and "< 1000 cold, < 150 kept" in out.getvalue()


def test_bench_says_why_it_skipped_the_manager_pages(tmp_path):
    InvoiceFactory(customer=CustomerFactory())  # a book (the bench loads the demo into an empty one), no manager
    out = StringIO()
    call_command("bench", "--small", "--skip", OTHER_PARTS, "--output", str(tmp_path / "results.json"), stdout=out)
    assert json.loads((tmp_path / "results.json").read_text())["manager_pages"] == {"skipped": "no manager"}


def _baseline_book():
    manager("bench_boss")
    finance("bench_money")
    busy = collector("bench_busy")
    for account in CustomerFactory.create_batch(2, portfolio=PortfolioFactory(collector=busy)):
        InvoiceFactory(customer=account)


def test_bench_sets_each_morning_page_beside_the_single_statements_of_its_figures(tmp_path):
    _baseline_book()
    out = StringIO()
    call_command("bench", "--small", "--skip", OTHER_PARTS, "--output", str(tmp_path / "results.json"), stdout=out)
    baselines = json.loads((tmp_path / "results.json").read_text())["page_baselines"]
    assert {"team dashboard", "targets", "forecast", "aging", "DSO", "root causes"} <= set(baselines["pages"])
    assert all(page["same"] and page["sql_ms"] > 0 for page in baselines["pages"].values())
    assert baselines["pages"]["targets"]["figures"] == ["collected", "forecast"]
    printed = out.getvalue()
    assert "the same: SQL baseline ms, cold / SQL (dashboard, collected, forecast)" in printed
    assert "<= 1.5x, < 1000 cold, same figures" in printed and "no baseline yet" in printed
    assert "DIFFERS" not in printed


def test_bench_says_when_a_statement_differs_from_the_engine(tmp_path, monkeypatch):
    from devtools.benchmarks import baselines

    _baseline_book()
    sql, engine = baselines.FIGURES["aging"]
    monkeypatch.setitem(baselines.FIGURES, "aging", (lambda d: sql(d) + Decimal("0.01"), engine))
    out = StringIO()
    call_command("bench", "--small", "--skip", OTHER_PARTS, "--output", str(tmp_path / "results.json"), stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("  DIFFERS: aging") and line.endswith("FAIL") for line in lines)
    aging = [line for line in lines if line.startswith("  the same: SQL baseline ms, cold / SQL (aging)")]
    assert len(aging) == 1 and "DIFFERS" in aging[0] and aging[0].endswith("FAIL")
