import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from devtools.benchmarks.memory import peak_mib
from ledger.models import Customer, Invoice
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, collector
from work.queue.models import QueueEntry

pytestmark = pytest.mark.django_db


def _run(tmp_path, *extra):
    out = StringIO()
    call_command("bench", "--small", "--statements", "1", "--requests", "2", "--workspace-invoices", "10", "--output",
                 str(tmp_path / "results.json"), *extra, stdout=out)
    return out.getvalue(), json.loads((tmp_path / "results.json").read_text())


def test_bench_prints_figures_and_writes_results(tmp_path):
    customer = CustomerFactory()
    InvoiceFactory.create_batch(3, customer=customer)
    printed, results = _run(tmp_path)
    assert "dunning pass: invoices evaluated / s" in printed and "messages prepared / s" in printed
    assert results["dunning"]["messages_per_second"] is not None
    assert "aging: engine s / SQL s" in printed
    assert results["book"]["invoices"] == 3
    assert {r["report"] for r in results["reports"]} == {"aging", "dso", "cei", "forecast", "root causes"}
    assert all(r["same"] for r in results["reports"])
    # No collector owns the account: the queue page says why it was not measured.
    assert "skipped" in results["queue_page"]


def test_bench_times_the_busiest_collectors_queue_and_the_biggest_account(tmp_path):
    busy, quiet = collector(), collector()
    busy_portfolio, quiet_portfolio = PortfolioFactory(collector=busy), PortfolioFactory(collector=quiet)
    accounts = CustomerFactory.create_batch(3, portfolio=busy_portfolio)
    biggest = CustomerFactory(portfolio=quiet_portfolio)
    InvoiceFactory.create_batch(4, customer=biggest)
    for account in accounts:
        InvoiceFactory(customer=account)
    printed, results = _run(tmp_path, "--workspace-invoices", "10")

    queue = results["queue_page"]
    assert queue["collector"] == busy.username
    assert queue["accounts"] == 3
    assert queue["status"] == 200 and queue["requests"] == 2 and queue["queries"] > 0
    assert queue["p95_ms"] >= queue["p50_ms"] > 0
    workspace = results["workspace_page"]
    assert workspace["customer"] == biggest.external_id and workspace["invoices"] == 4
    assert workspace["viewer"] == quiet.username and workspace["status"] == 200
    # Timed with 10 invoices (--workspace-invoices 10): six issued for the timing, then rolled back.
    assert workspace["added_then_rolled_back"] == 6
    assert workspace["show_open"]["status"] == 200 and workspace["show_open"]["url"].endswith("?show=open")
    assert Invoice.objects.filter(customer=biggest).count() == 4
    assert not Invoice.objects.filter(external_id__startswith="BENCH-").exists()
    assert results["queue_scoring"]["items"] == QueueEntry.objects.count()
    assert "queue page: p50 / p95 ms, queries" in printed
    assert "account workspace (10 invoices): p50 / p95 ms, queries" in printed
    assert "nightly queue scoring" in printed


def test_bench_times_an_import_and_leaves_the_book_as_it_was(tmp_path):
    customer = CustomerFactory(external_id="C000000")  # the sample book's own first id
    InvoiceFactory(customer=customer, external_id="INV0000000")
    printed, results = _run(tmp_path, "--import-invoices", "100")
    figures = results["import"]
    # 4 customers, 100 invoices, 60 payments, 2 credit notes (invoices 4 and 54; see sample_book)
    assert figures["rows"] == 166 and figures["rolled_back"] is True
    assert figures["summary"]["invoices"]["created"] == 100
    assert figures["rows_per_second"] > 0
    assert Customer.objects.count() == 1 and Invoice.objects.count() == 1
    assert "import: rows / s" in printed
    # Processes that cannot reach the in-memory test database are reported, not run.
    assert "skipped" in results["statement_worker"] and "skipped" in results["web_under_load"]


def test_bench_statement_worker_reports_its_peak_memory():
    customer = CustomerFactory()
    InvoiceFactory(customer=customer)
    out = StringIO()
    call_command("bench", "--statement-worker", "1", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["peak_mib"] > 0 and "statements" in figures


def test_bench_skips_the_parts_it_is_told_to(tmp_path):
    InvoiceFactory.create_batch(2, customer=CustomerFactory())
    printed, results = _run(tmp_path, "--skip", "reports,dunning,import")
    assert results["reports"] == []
    assert results["dunning"] == {"skipped": "--skip"} and results["import"] == {"skipped": "--skip"}
    assert "statements" in results["statements"]
    assert "aging: engine s / SQL s" not in printed
    with pytest.raises(CommandError):
        call_command("bench", "--skip", "nonsense", stdout=StringIO())


def test_bench_reads_the_think_time_as_low_and_high_seconds(tmp_path):
    from devtools.management.commands.bench import _between

    assert _between("2,8") == (2.0, 8.0)
    assert _between("0") == (0.0, 0.0)
    with pytest.raises(Exception, match="LOW"):
        _between("8,2")
    with pytest.raises(CommandError, match="think"):
        call_command("bench", "--think", "soon", stdout=StringIO(), stderr=StringIO())


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux reports a process's own high-water mark")
def test_a_worker_process_reports_its_own_peak_memory_not_its_parents():
    """A child started by fork + exec inherits the parent's ru_maxrss; the worker's figure must not."""
    ballast = bytearray(300 * 1024 * 1024)  # the parent grows well past what the child will use
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page so that it is resident
    child = subprocess.run([sys.executable, "-c", "import django; django.setup(); "
                            "from devtools.benchmarks.memory import peak_mib; print(peak_mib())"],
                           capture_output=True, text=True, check=True, cwd=settings.BASE_DIR,
                           env={**os.environ, "DJANGO_SETTINGS_MODULE": "collections_app.settings"})
    assert peak_mib() >= 300
    assert float(child.stdout.strip().splitlines()[-1]) < 250
    del ballast
