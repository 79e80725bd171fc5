"""`make bench`: figures on a real-sized book. Prints a table and writes bench/results.json.

Timings are printed, never asserted. The large book is loaded once into the configured database
(DATABASE_URL; PostgreSQL recommended) and reused afterwards.
"""

import argparse
import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from core.db_stats import refresh_planner_statistics
from devtools.benchmarks import pages
from devtools.benchmarks.at_once import USERS, same_page_at_once
from devtools.benchmarks.baselines import figures_run
from devtools.benchmarks.cashapp import cash_application_figures
from devtools.benchmarks.dunning import dunning_pass_rate, statement_render_rate
from devtools.benchmarks.forecast_model import forecast_model_figures, forecast_model_rows
from devtools.benchmarks.importing import import_rate
from devtools.benchmarks.load import web_under_load
from devtools.benchmarks.memory import render_and_measure, statement_worker_memory
from devtools.benchmarks.payments import webhook_rate
from devtools.benchmarks.reports import run as reports_run
from ledger.models import Customer, Invoice
from work.queue.models import QueueEntry

WEB_PROCESSES = 2  # gunicorn's workers in the Procfile and docker-compose
PARTS = ("dunning", "statements", "reports", "queue", "workspace", "managers", "scoring", "import", "memory", "load",
         "webhooks", "cash", "forecast_model", "at_once")
TARGETS = {"dunning_invoices_per_second": 5000, "report_ratio": 2.0, "queue_p95_ms": 150, "workspace_p95_ms": 150,
           "import_rows_per_second": 20000, "worker_mib": 500, "load_p95_ms": 500,
           "manager_cold_ms": 1000, "manager_kept_ms": 150, "manager_sql_ratio": 1.5, "webhook_events_per_second": 200,
           "cash_auto_match_rate": 90, "cash_wrong_match_rate": 0.5, "cash_review_first_rank_rate": 80,
           "cash_lines_per_second": 1000}


class Command(BaseCommand):
    help = "Benchmark dunning, statements and reports on the large demo book (or --small); print the figures."

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true", help="use the small demo book (a CI smoke test)")
        parser.add_argument("--statements", type=int, default=100, help="statements to render for the rate")
        parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
        parser.add_argument("--import-invoices", type=int, default=None,
                            help="invoices in the timed sample export (default 50,000; 2,000 with --small)")
        parser.add_argument("--workspace-invoices", type=int, default=500,
                            help="invoices the timed account has (topped up inside a rolled-back transaction)")
        parser.add_argument("--users", type=int, default=50, help="simulated collectors for the load test")
        parser.add_argument("--load-seconds", type=float, default=60,
                            help="how long the load test runs after the last collector arrived")
        parser.add_argument("--think", type=_between, default=(2.0, 8.0), metavar="LOW,HIGH",
                            help="a simulated collector reads each page for a pause drawn uniformly between LOW "
                                 "and HIGH seconds (default 2,8; 0,0: no pause)")
        parser.add_argument("--ramp", type=float, default=None,
                            help="simulated collectors arrive at moments spread over this many seconds (default: "
                                 "the longest pause; 0: all at once)")
        parser.add_argument("--saturation-seconds", type=float, default=10,
                            help="then the same users with no pause for this long, for information (0: skip)")
        parser.add_argument("--skip", default="", help=f"comma-separated parts not to measure: {', '.join(PARTS)}")
        parser.add_argument("--statement-worker", type=int, default=None, help=argparse.SUPPRESS)
        parser.add_argument("--output", default=str(settings.BASE_DIR / "bench" / "results.json"))

    def handle(self, *args, small, statements, requests, import_invoices, workspace_invoices, users, load_seconds,
               think, ramp, saturation_seconds, skip, statement_worker, output, **options):
        if statement_worker is not None:  # the child process started for the memory figure
            self.stdout.write(json.dumps(render_and_measure(statement_worker)))
            return
        skipped = {part.strip() for part in skip.split(",") if part.strip()}
        if skipped - set(PARTS):
            raise CommandError(f"--skip: unknown part(s) {', '.join(sorted(skipped - set(PARTS)))}; parts: {PARTS}")

        began = time.perf_counter()

        def measure(part, run):
            return {"skipped": "--skip"} if part in skipped else run()

        size = "small" if small else "large"
        if connection.vendor != "postgresql" and not small:
            self.stderr.write("Note: the large book is meant for PostgreSQL (set DATABASE_URL).")
        if not Customer.objects.exists():
            started = time.perf_counter()
            call_command("seed_demo", size=size)
            self.stdout.write(f"Loaded the {size} demo book in {time.perf_counter() - started:.1f} s")
        _analyze()
        as_of = timezone.localdate()
        book = {"customers": Customer.objects.count(), "invoices": Invoice.objects.count(),
                "database": connection.vendor}
        dunning = measure("dunning", lambda: dunning_pass_rate(as_of))
        rendering = measure("statements", lambda: statement_render_rate(statements, as_of))
        reports = [] if "reports" in skipped else reports_run(as_of, repeat=1 if small else 3)
        queue = measure("queue", lambda: pages.queue_page(requests))
        workspace = measure("workspace", lambda: pages.workspace_page(requests, workspace_invoices))
        managers = measure("managers", pages.manager_pages)
        # the single statements of the same pages' figures, each checked against the engine
        baselines = measure("managers", lambda: figures_run(as_of, repeat=1 if small else 3))
        at_once = measure("at_once", same_page_at_once)
        scoring = measure("scoring", pages.queue_scoring)
        _analyze(QueueEntry)  # the scoring rewrote today's queue (the nightly task does the same)
        sample = import_invoices if import_invoices is not None else (2000 if small else 50000)
        importing = measure("import", lambda: import_rate(sample))
        memory = measure("memory", lambda: statement_worker_memory(statements))
        load = measure("load", lambda: web_under_load(users, load_seconds, think=think, ramp=ramp))
        saturation = {"skipped": "--saturation-seconds 0"} if saturation_seconds <= 0 else measure(
            "load", lambda: web_under_load(users, saturation_seconds, think=(0, 0)))
        # as the Procfile's two gunicorn workers take Stripe's concurrent deliveries (one on SQLite)
        webhooks = measure("webhooks", lambda: _webhooks(150 if small else 1000))
        cash = measure("cash", lambda: cash_application_figures(lines=300 if small else 2000))
        forecast_model = measure("forecast_model", lambda: forecast_model_figures(as_of))

        results = {"as_of": str(as_of), "book": book, "dunning": dunning, "statements": rendering, "reports": reports,
                   "queue_page": queue, "workspace_page": workspace, "manager_pages": managers,
                   "page_baselines": baselines,
                   "same_page_at_once": at_once,
                   "queue_scoring": scoring, "import": importing, "statement_worker": memory, "web_under_load": load,
                   "web_saturation": saturation, "webhooks": webhooks, "cash_application": cash,
                   "forecast_model": forecast_model,
                   "targets": TARGETS, "seconds": round(time.perf_counter() - began, 1)}
        rows = _engine_rows(results) + _manager_rows(managers, baselines) + _at_once_rows(at_once) + _web_rows(results)
        rows += _money_in_rows(webhooks, cash)
        rows += forecast_model_rows(forecast_model)

        self.stdout.write(
            f"\nBook: {book['customers']:,} customers, {book['invoices']:,} invoices on {book['database']}\n"
        )
        self.stdout.write(f"{'what':56} {'figure':>28}  {'target':32} result")
        for what, figure, target, passed in rows:
            verdict = "" if passed is None else ("pass" if passed else "FAIL")
            self.stdout.write(f"{what:56} {str(figure):>28}  {target:32} {verdict}")
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2, default=str))
        self.stdout.write(f"\nWritten to {path} ({results['seconds']:.0f} s in all)")


def _engine_rows(results: dict) -> list[tuple]:
    """The table's rows for the engine figures: dunning, statements, reports."""
    dunning = results["dunning"]
    rendering = results["statements"]
    reports = results["reports"]
    rows = [
        _rate_row("dunning pass: invoices evaluated / s", dunning, "invoices_per_second",
                  TARGETS["dunning_invoices_per_second"]),
        ("  the same pass: messages prepared / s",
         f"{dunning['messages_per_second']:,} ({dunning['messages']:,} messages)" if "skipped" not in dunning
         else f"skipped: {dunning['skipped']}", "information", None),
        ("statements rendered / s (one process)",
         rendering.get("statements_per_second", f"skipped: {rendering.get('skipped')}"), "", None),
    ]
    for report in reports:
        rows.append((f"{report['report']}: engine s / SQL s (ratio)",
                     f"{report['engine_s']:.3f} / {report['sql_s']:.3f} ({report['ratio']:.2f}x)",
                     f"<= {TARGETS['report_ratio']}x, same figure: {report['same']}",
                     report["ratio"] <= TARGETS["report_ratio"] and report["same"]))
    return rows


def _manager_rows(managers: dict, baselines: dict) -> list[tuple]:
    """Two rows per morning page: computed from scratch / kept, each against its target; then beside
    the single statements of its figures (devtools.benchmarks.baselines): their time, cold ÷ SQL
    against its ceiling, and whether they gave the engine's figures to the cent."""
    if "skipped" in managers:
        return [("manager pages", f"skipped: {managers['skipped']}", "", None)]
    cold, kept, ratio = TARGETS["manager_cold_ms"], TARGETS["manager_kept_ms"], TARGETS["manager_sql_ratio"]
    rows = []
    for page in managers["pages"]:
        rows.append((f"{page['page']}: cold ms / kept ms", f"{page['cold_ms']:,.0f} / {page['kept_ms']:,.0f}",
                     f"< {cold} cold, < {kept} kept",
                     page["status"] == 200 and page["cold_ms"] < cold and page["kept_ms"] < kept))
        baseline = baselines.get("pages", {}).get(page["page"])
        if baseline is None:
            rows.append(("  the same: SQL baseline ms, cold / SQL", baselines.get("skipped") or "no baseline yet",
                         "", None))
            continue
        same = "same" if baseline["same"] else "DIFFERS"
        times = page["cold_ms"] / baseline["sql_ms"] if baseline["sql_ms"] else None
        rows.append((f"  the same: SQL baseline ms, cold / SQL ({', '.join(baseline['figures'])})",
                     f"{baseline['sql_ms']:,.0f}, {f'{times:.2f}x' if times else '—'}, {same}",
                     f"<= {ratio}x, < {cold} cold, same figures",
                     times is not None and times <= ratio and page["cold_ms"] < cold and baseline["same"]))
    for name, figure in baselines.get("figures", {}).items():
        if not figure["same"]:  # which figure differs, and how
            rows.append((f"  DIFFERS: {name}", f"SQL {str(figure['sql'])[:60]}",
                         f"engine {str(figure['engine'])[:60]}", False))
    return rows


def _at_once_rows(at_once: dict) -> list[tuple]:
    """One row per morning page opened cold by five people at once: the slowest of them."""
    if "skipped" in at_once:
        return [(f"{USERS} at once, same cold page", f"skipped: {at_once['skipped']}", "", None)]
    return [(f"{page['page']}: {page['users']} at once, slowest ms", f"{page['slowest_ms']:,.0f}",
             f"< {at_once['target_ms']} each", page["statuses"] == [200] and page["slowest_ms"] < at_once["target_ms"])
            for page in at_once["pages"]]


def _web_rows(results: dict) -> list[tuple]:
    """The table's rows for the pages, the scoring, the import, the worker and the load test."""
    queue = results["queue_page"]
    workspace = results["workspace_page"]
    scoring = results["queue_scoring"]
    importing = results["import"]
    memory = results["statement_worker"]
    load = results["web_under_load"]
    saturation = results["web_saturation"]
    rows = []
    rows.append(_page_row("queue page", queue, TARGETS["queue_p95_ms"]))
    size = workspace.get("invoices", 0) + workspace.get("added_then_rolled_back", 0)
    rows.append(_page_row(f"account workspace ({size} invoices)", workspace, TARGETS["workspace_p95_ms"]))
    if "show_open" in workspace:
        listed = workspace["show_open"]  # a secondary view (the "show all" link): reported, not judged
        rows.append(("  the same, every open invoice listed: p50 / p95 ms", f"{listed['p50_ms']} / "
                     f"{listed['p95_ms']}, {listed['queries']} q", "information", None))
    rows.append(("nightly queue scoring, all collectors: s",
                 f"skipped: {scoring['skipped']}" if "skipped" in scoring
                 else f"{scoring['seconds']:.2f} ({scoring['items']:,} items)", "", None))
    rows.append(_rate_row("import: rows / s", importing, "rows_per_second", TARGETS["import_rows_per_second"]))
    rows.append(("statement worker: peak memory MiB",
                 memory.get("peak_mib", f"skipped: {memory.get('skipped')}"), f"< {TARGETS['worker_mib']} MiB",
                 memory["peak_mib"] < TARGETS["worker_mib"] if "peak_mib" in memory else None))
    if "skipped" in load:
        rows.append(("web under load: req/s, p95 ms, errors", f"skipped: {load['skipped']}", "", None))
    else:
        low, high = load["think_seconds"]
        rows.append((f"web under load ({load['users']} users, think {low:g}-{high:g} s): req/s, p95, err",
                     f"{load['requests_per_second']}, {load['p95_ms']}, {load['errors']}",
                     f"p95 < {TARGETS['load_p95_ms']} ms, 0 errors",
                     load["p95_ms"] < TARGETS["load_p95_ms"] and load["errors"] == 0))
    if "skipped" not in saturation:
        rows.append((f"  saturation ({saturation['users']} users, no pause): req/s, p95, err",
                     f"{saturation['requests_per_second']}, {saturation['p95_ms']}, {saturation['errors']}",
                     "information", None))
    return rows


def _webhooks(events: int) -> dict:
    """Webhook events delivered by the web processes at once, and, when that was more than one
    (PostgreSQL), by one process alone for information."""
    figures = webhook_rate(events, processes=WEB_PROCESSES)
    if figures.get("webhook_processes", 1) > 1:
        figures["one_process"] = webhook_rate(events)
    return figures


def _money_in_rows(webhooks: dict, cash: dict) -> list[tuple]:
    """Payments and cash application: webhook events per second; the bank statement matching's
    accuracy against the generated statement's answer key, and its throughput."""
    processes = webhooks.get("webhook_processes", 1)
    rows = [_rate_row(f"payment webhooks: events / s, {processes} web process{'es' if processes > 1 else ''} "
                      "(a third replays)", webhooks, "webhook_events_per_second",
                      TARGETS["webhook_events_per_second"])]
    if processes > 1 and webhooks.get("one_process"):
        rows.append(("payment webhooks: events / s in one process (information)",
                     f"{webhooks['one_process']['webhook_events_per_second']:,}", "", None))
    if isinstance(cash.get("skipped"), str):  # the part was skipped (its figures count skipped lines too)
        return rows + [("cash application", f"skipped: {cash['skipped']}", "", None)]
    rate = {key: value for key, value in cash.items() if key != "skipped"}
    rows += [
        _share_row("cash application: applied automatically and right %", cash["auto_match_rate"],
                   TARGETS["cash_auto_match_rate"], at_least=True),
        _share_row("cash application: automatic applications wrong %", cash["wrong_match_rate"],
                   TARGETS["cash_wrong_match_rate"], at_least=False),
        _share_row("cash application: review lines, right candidate first %", cash["review_first_rank_rate"],
                   TARGETS["cash_review_first_rank_rate"], at_least=True),
        _rate_row(f"cash application: statement lines / s ({cash['lines']:,} lines)", rate, "lines_per_second",
                  TARGETS["cash_lines_per_second"]),
    ]
    return rows


def _share_row(name: str, value: float | None, target: float, *, at_least: bool) -> tuple:
    """A percentage against its floor (or ceiling); None when nothing was there to count."""
    bound = f"{'>=' if at_least else '<='} {target} %"
    if value is None:
        return (name, "none to count", bound, None)
    return (name, value, bound, value >= target if at_least else value <= target)


def _analyze(*models) -> None:
    """PostgreSQL: refresh the planner's statistics (all tables, or those of `models`), as autovacuum
    would after a bulk load or the nightly queue rewrite; a server running without autovacuum otherwise
    plans today's queue on an empty table's statistics (a nested loop over every entry: 15 ms instead of 2)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        refresh_planner_statistics(*models)


def _between(value: str) -> tuple[float, float]:
    """"LOW,HIGH" seconds (or one number for a fixed pause) → (low, high)."""
    try:
        parts = [float(part) for part in value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH seconds, got {value!r}") from None
    low, high = (parts[0], parts[0]) if len(parts) == 1 else tuple(parts[:2]) if len(parts) == 2 else (-1, -1)
    if low < 0 or high < low:
        raise argparse.ArgumentTypeError(f"expected 0 <= LOW <= HIGH, got {value!r}")
    return low, high


def _page_row(name: str, figures: dict, target_ms: float) -> tuple:
    """A table row for a page timing: p50 / p95 and the query count, or why it was skipped."""
    if "skipped" in figures:
        return (f"{name}: p50 / p95 ms, queries", f"skipped: {figures['skipped']}", f"p95 < {target_ms} ms", None)
    passed = figures["status"] == 200 and figures["p95_ms"] < target_ms
    return (f"{name}: p50 / p95 ms, queries", f"{figures['p50_ms']} / {figures['p95_ms']}, {figures['queries']} q",
            f"p95 < {target_ms} ms, HTTP 200", passed)


def _rate_row(name: str, figures: dict, key: str, target: float) -> tuple:
    """A table row for a rate with a floor, or why it was skipped."""
    if "skipped" in figures:
        return (name, f"skipped: {figures['skipped']}", f">= {target:,}", None)
    return (name, f"{figures[key]:,}", f">= {target:,}", (figures[key] or 0) >= target)
