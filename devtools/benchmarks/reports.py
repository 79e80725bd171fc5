"""Timings of the reports engine against the single SQL statement a DBA would write for the same figure.

`make bench` (the benchmark command) calls `run()` / `print_report()` on the large book, ideally on
PostgreSQL; the figures are printed, never asserted. Each line gives the engine's time, the plain
SQL's time, their ratio, and whether both computed the same figure (to the cent)."""

import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.exports import CENT
from devtools.benchmarks.baselines import RATE, STATUSES, engine_forecast, open_cte, sql_forecast
from ledger.models import Application, CreditNote, FxRate, Invoice, WriteOff
from reporting import metrics
from reporting.root_causes import months_back, root_causes
from work.models import Dispute

# AR by bucket at the end of D: the invoices open then, in base (devtools.benchmarks.baselines'
# OPEN_BASE_CTE: the stored open amount plus what moved after D, the open ones read from their
# covering index, each at its issue day's rate looked up once per currency and day), by due date.
# Not a correlated sum of every application on or before D per invoice (the first baseline: it
# flattered the engine by being slow itself), nor an OR of "open now" and "moved since" (no index).
BUCKETS_SQL = """
WITH {open_cte}
SELECT SUM(CASE WHEN due_date >= %(d)s THEN open_base ELSE 0 END),
       SUM(CASE WHEN due_date < %(d)s AND due_date >= %(d30)s THEN open_base ELSE 0 END),
       SUM(CASE WHEN due_date < %(d30)s AND due_date >= %(d60)s THEN open_base ELSE 0 END),
       SUM(CASE WHEN due_date < %(d60)s AND due_date >= %(d90)s THEN open_base ELSE 0 END),
       SUM(CASE WHEN due_date < %(d90)s THEN open_base ELSE 0 END)
FROM open_base
"""

# Credit sales of start..D: invoices minus credit notes, added up per day and currency first, then
# converted at each day's rate (the FX lookup once per group, not per document).
SALES_SQL = """
SELECT COALESCE(SUM(s.amount * {day_rate}), 0)
FROM (SELECT i.issue_date AS day, i.currency AS currency, SUM(i.amount) AS amount
      FROM {inv} i WHERE i.issue_date BETWEEN %(start)s AND %(d)s AND i.status <> 'void'
      GROUP BY i.issue_date, i.currency
      UNION ALL
      SELECT c.issue_date, c.currency, -SUM(c.amount)
      FROM {cn} c WHERE c.issue_date BETWEEN %(start)s AND %(d)s
      GROUP BY c.issue_date, c.currency) s
"""


# Root causes' late payments: the invoices closed late in the twelve months to D, per root cause of
# their first dispute (a window over the disputes, joined once), added up per cause, currency and
# issue day, then converted at each day's rate.
LATE_BY_CAUSE_SQL = """
WITH first AS (
  SELECT invoice_id, root_cause FROM (
    SELECT l.invoice_id, d.root_cause,
           ROW_NUMBER() OVER (PARTITION BY l.invoice_id ORDER BY d.opened_on, d.id) AS n
    FROM {links} l JOIN {dispute} d ON d.id = l.dispute_id) x WHERE n = 1)
SELECT s.cause, SUM(s.invoices), SUM(s.amount * {day_rate})
FROM (SELECT COALESCE(f.root_cause, 'undisputed') AS cause, i.currency AS currency, i.issue_date AS day,
             COUNT(*) AS invoices, SUM(i.amount) AS amount
      FROM {inv} i LEFT JOIN first f ON f.invoice_id = i.id
      WHERE i.status = 'paid' AND i.closed_on BETWEEN %(start)s AND %(d)s AND i.closed_on > i.due_date
      GROUP BY 1, 2, 3) s
GROUP BY s.cause ORDER BY s.cause
"""


def _tables() -> dict:
    return {"app": Application._meta.db_table, "wo": WriteOff._meta.db_table, "fx": FxRate._meta.db_table,
            "inv": Invoice._meta.db_table, "cn": CreditNote._meta.db_table, "dispute": Dispute._meta.db_table,
            "links": Dispute.invoices.through._meta.db_table}


def _params(as_of: date, start: date | None = None) -> dict:
    return {"d": as_of, "d30": as_of - timedelta(days=30), "d60": as_of - timedelta(days=60),
            "d90": as_of - timedelta(days=90), "start": start or as_of - timedelta(days=89),
            "base": settings.BASE_CURRENCY}


def _sql(template: str, as_of: date, start: date | None = None) -> list:
    tables = _tables()
    day_rate = RATE.format(cur="s.currency", day="s.day", **tables)
    sql = template.format(open_cte=open_cte(tables, collectors=False), day_rate=day_rate, **tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**STATUSES, **_params(as_of, start)})
        return [Decimal(str(v or 0)) for v in cursor.fetchone()]


def sql_buckets(as_of: date) -> list[Decimal]:
    return _sql(BUCKETS_SQL, as_of)


def sql_dso(as_of: date) -> Decimal | None:
    ar = sum(sql_buckets(as_of), Decimal(0))
    sales = _sql(SALES_SQL, as_of)[0]
    return ar / sales * 90 if sales else None


def sql_cei(start: date, end: date) -> Decimal | None:
    """CEI (METRICS.md) from the hand-written aggregates: AR by bucket the day before `start` and at
    `end`, credit sales over start..end."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    beginning = sum(sql_buckets(start - timedelta(days=1)), Decimal(0))
    ending_buckets = sql_buckets(end)
    ending, ending_current = sum(ending_buckets, Decimal(0)), ending_buckets[0]
    collectible = beginning + _sql(SALES_SQL, end, start)[0] / months
    return (collectible - ending) / (collectible - ending_current) * 100 if collectible != ending_current else None


def sql_late_by_cause(as_of: date) -> tuple:
    """(root cause, late invoices, late amount in base) per cause, from one statement."""
    tables = _tables()
    sql = LATE_BY_CAUSE_SQL.format(day_rate=RATE.format(cur="s.currency", day="s.day", **tables), **tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**_params(as_of, months_back(as_of, 12))})
        return tuple((cause, int(n), Decimal(str(amount))) for cause, n, amount in cursor.fetchall())


def engine_late_by_cause(as_of: date) -> tuple:
    """The same figures from the root causes report (computed, not kept)."""
    report = root_causes(start=months_back(as_of, 12), end=as_of)
    return tuple((r["root_cause"], r["late_invoices"], r["late_amount"]) for r in report.by_cause if r["late_invoices"])


def _time(fn, repeat: int) -> tuple[float, object]:
    timings, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), value


def _cents(value):
    if isinstance(value, tuple):  # a table of figures: every amount to the cent
        return tuple(_cents(v) if isinstance(v, (tuple, Decimal)) else v for v in value)
    return None if value is None else Decimal(value).quantize(CENT)


def run(as_of: date | None = None, repeat: int = 3) -> list[dict]:
    """[{report, engine_s, sql_s, ratio, engine, sql, same}] for aging, dso, cei, forecast and root causes."""
    as_of = as_of or timezone.localdate()
    month_start = as_of.replace(day=1)
    cases = [
        ("aging", lambda: metrics.aging(as_of=as_of).total, lambda: sum(sql_buckets(as_of), Decimal(0))),
        ("dso", lambda: metrics.dso(as_of).dso, lambda: sql_dso(as_of)),
        # CEI month to date: AR the day before the month (a month-end: the engine reads the nightly
        # snapshot when one is stored) and at D, credit sales of the month.
        ("cei", lambda: metrics.cei(month_start, as_of).cei, lambda: sql_cei(month_start, as_of)),
        # The month-end forecast: to the month's end, at risk, beyond, and per collector, from one
        # statement that predicts every open invoice as the engine does (devtools.benchmarks.baselines).
        ("forecast", lambda: engine_forecast(as_of).as_tuple(), lambda: sql_forecast(as_of).as_tuple()),
        # Root causes: the late payments of twelve months per root cause (invoices, amount in base).
        ("root causes", lambda: engine_late_by_cause(as_of), lambda: sql_late_by_cause(as_of)),
    ]
    results = []
    for name, engine, sql in cases:
        engine_s, engine_value = _time(engine, repeat)
        sql_s, sql_value = _time(sql, repeat)
        results.append({
            "report": name, "engine_s": engine_s, "sql_s": sql_s, "ratio": engine_s / sql_s if sql_s else None,
            "engine": _cents(engine_value), "sql": _cents(sql_value),
            "same": _cents(engine_value) == _cents(sql_value),
        })
    return results


def print_report(as_of: date | None = None, repeat: int = 3, write=print) -> list[dict]:
    results = run(as_of, repeat)
    write(f"reports engine vs one SQL aggregate ({connection.vendor}, median of {repeat})")
    write(f"{'report':<10} {'engine s':>10} {'SQL s':>10} {'ratio':>8}  figure")
    for r in results:
        ratio = f"{r['ratio']:.1f}x" if r["ratio"] else "—"
        same = "same" if r["same"] else f"DIFFERS (SQL {r['sql']})"
        write(f"{r['report']:<10} {r['engine_s']:>10.3f} {r['sql_s']:>10.3f} {ratio:>8}  {r['engine']} {same}")
    return results
