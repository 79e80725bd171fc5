"""The script interfaces (manage.py ar_report, /api/reports/) and the nightly AR snapshot."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from reporting import metrics
from reporting.models import ArSnapshot, ArSnapshotDay
from reporting.services import ar_snapshot_take, ar_snapshots_due
from reporting.tasks import ar_snapshot_nightly
from tests.factories import CustomerFactory, PortfolioFactory, UserFactory, collector, finance, manager
from tests.reporting.factories import issue, pay, worked_example

D = date(2026, 9, 30)
pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = StringIO()
    call_command("ar_report", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_ar_report_prints_the_worked_example():
    worked_example()
    aging = run("aging", "--as-of", "2026-09-30")
    assert aging["total"] == "4000.00"
    assert aging["buckets"] == {"current": "2500.00", "1-30": "1500.00", "31-60": "0.00", "61-90": "0.00",
                                "91+": "0.00"}
    dso = run("dso", "--as-of", "2026-09-30")
    assert (dso["dso"], dso["dso_countback"], dso["bpdso"], dso["add"]) == ("51.43", "43.29", "32.14", "19.29")
    assert run("cei", "--month", "2026-09")["cei"] == "57.14"
    forecast = run("forecast", "--as-of", "2026-09-30", "--month", "2026-10")
    assert (forecast["forecast"], forecast["at_risk"]) == ("3500.00", "0.00")
    text = StringIO()
    call_command("ar_report", "aging", "--as-of", "2026-09-30", stdout=text)
    assert "4000.00" in text.getvalue()


def test_ar_report_for_one_collector_and_bad_arguments():
    portfolio = PortfolioFactory()
    issue(CustomerFactory(portfolio=portfolio), "2026-09-01", "300.00")
    issue(CustomerFactory(), "2026-09-01", "900.00")
    assert run("aging", "--as-of", "2026-09-30", "--collector", portfolio.collector.username)["total"] == "300.00"
    with pytest.raises(CommandError):
        run("aging", "--collector", "nobody")
    with pytest.raises(CommandError):
        run("cei", "--month", "2026-13")


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_serves_the_same_figures_scoped_by_role():
    portfolio = PortfolioFactory()
    worked_example(portfolio=portfolio)
    issue(CustomerFactory(), "2026-09-01", "100.00")  # another portfolio's (unassigned) invoice
    boss = api_as(manager())
    assert boss.get("/api/reports/aging/", {"as_of": "2026-09-30"}).json()["total"] == "4100.00"
    own = api_as(portfolio.collector).get("/api/reports/aging/", {"as_of": "2026-09-30", "collector": ""}).json()
    assert own["total"] == "4000.00"
    dso = api_as(portfolio.collector).get("/api/reports/dso/", {"as_of": "2026-09-30"}).json()
    assert dso["dso_countback"] == "43.29"
    assert boss.get("/api/reports/cei/", {"month": "2026-09", "collector": portfolio.collector.username}).json()[
        "cei"] == "57.14"
    window = {"as_of": "2026-09-30", "horizon_end": "2026-10-31"}
    assert api_as(finance()).get("/api/reports/forecast/", window).json()["forecast"] == "3600.00"
    mine = api_as(finance()).get("/api/reports/forecast/", {**window, "collector": portfolio.collector.username})
    assert mine.json()["forecast"] == "3500.00"
    grouped = boss.get("/api/reports/aging/", {"as_of": "2026-09-30", "group_by": "customer"}).json()
    assert {row["label"]: row["total"] for row in grouped["rows"]}["C1"] == "2700.00"


def test_api_refusals():
    assert APIClient().get("/api/reports/aging/").status_code in (401, 403)
    assert api_as(UserFactory(roles=[])).get("/api/reports/aging/").status_code == 403
    assert api_as(collector()).get("/api/reports/forecast/").status_code == 403
    assert api_as(manager()).get("/api/reports/aging/", {"as_of": "not-a-date"}).status_code == 400
    assert api_as(manager()).get("/api/reports/dso/", {"window_days": "0"}).status_code == 400


def test_snapshot_matches_the_recomputation_from_the_ledger(ledger_balances):
    example = worked_example()
    ar_snapshot_take(on=D)
    ar_snapshot_take(on=D)  # taking the same day twice changes nothing
    rows = {row.customer_id: row for row in ArSnapshot.objects.filter(date=D)}
    recomputed = metrics.aging(as_of=D, group_by="customer").rows
    assert len(rows) == len(recomputed) == 2
    for line in recomputed:
        snap = rows[line.key]
        assert snap.total == line.total
        assert [snap.current, snap.days_1_30, snap.days_31_60, snap.days_61_90, snap.days_91_plus] == [
            line.buckets[name] for name in metrics.BUCKETS]
    assert ArSnapshotDay.objects.get(date=D).total == Decimal("4000.00")
    # the trend reads the snapshot; a later backdated payment does not change what was stored that night
    trend = metrics.aging_trend(as_of=D, months=1)
    assert trend[0]["source"] == "snapshot" and trend[0]["total"] == Decimal("4000.00")
    pay(example["C2"], "2026-09-30", "800.00", (example["I4"], "800.00"))
    ledger_balances()
    assert metrics.aging(as_of=D).total == Decimal("3200.00")
    ar_snapshot_take(on=D)
    assert metrics.aging_trend(as_of=D, months=1)[0]["total"] == Decimal("3200.00")


def test_nightly_task_catches_up_missed_days_and_is_scheduled(settings):
    worked_example()
    ar_snapshot_take(on=date(2026, 9, 27))
    assert ar_snapshots_due(today=date(2026, 10, 1)) == [date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30)]
    taken = ar_snapshot_nightly.apply().get()
    assert taken and ArSnapshotDay.objects.filter(date__in=taken).count() == len(taken)
    assert PeriodicTask.objects.get(name="Nightly AR snapshot").task == "reporting.ar_snapshot_nightly"


def test_bench_compares_the_engine_with_plain_sql_on_the_same_figures():
    from devtools.benchmarks import reports as bench

    worked_example()
    lines = []
    results = bench.print_report(as_of=D, repeat=1, write=lines.append)
    assert [r["report"] for r in results] == ["aging", "dso", "cei", "forecast", "root causes"]
    assert all(r["same"] for r in results), results
    assert results[1]["engine"] == Decimal("51.43")
    assert results[2]["engine"] == results[2]["sql"] == Decimal("57.14")  # METRICS.md: CEI for September
    assert len(lines) == 7


def test_ar_snapshot_command_backfills_month_ends():
    worked_example()
    out = StringIO()
    call_command("ar_snapshot", "--date", "2026-09-30", "--date", "2026-08-31", stdout=out)
    assert "2026-09-30: 2 customers, AR 4000.00" in out.getvalue()
    assert [p["source"] for p in metrics.aging_trend(as_of=D, months=2)] == ["snapshot", "snapshot"]
    with pytest.raises(CommandError):
        call_command("ar_snapshot")


def test_bench_checks_root_causes_late_payments_against_one_statement_to_the_cent():
    """The bench's root causes case: the report's late payments per root cause (invoices, amount in
    base, the first dispute's cause) equal one hand-written statement's, and a difference shows."""
    from datetime import timedelta

    from django.utils import timezone

    from devtools.benchmarks import reports as bench
    from tests.factories import CustomerFactory
    from tests.reporting.factories import dispute, issue, pay, rate

    today = timezone.localdate()

    def ago(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    rate("EUR", ago(300), "1.23456789")
    customer = CustomerFactory()
    usd = issue(customer, ago(90), "100.10", due=ago(60))
    eur = issue(customer, ago(80), "33.33", due=ago(50), currency="EUR")
    dispute(customer, [usd], "pricing", opened_on=ago(55))
    dispute(customer, [usd], "tax", opened_on=ago(58))  # opened first: the cause
    pay(customer, ago(40), "100.10", (usd, "100.10"))
    pay(customer, ago(30), "33.33", (eur, "33.33"), currency="EUR")

    engine, sql = bench._cents(bench.engine_late_by_cause(today)), bench._cents(bench.sql_late_by_cause(today))
    assert engine == sql == (("tax", 1, Decimal("100.10")), ("undisputed", 1, Decimal("41.15")))
    assert bench._cents(bench.engine_late_by_cause(today - timedelta(days=45))) != sql  # the EUR one not yet paid
