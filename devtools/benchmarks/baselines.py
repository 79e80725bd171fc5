"""The single statements a DBA would write for the morning pages' headline figures (issue 18), each
checked against the engine to the cent: the bench times a page cold over HTTP beside the sum of its
statements' times.

Each baseline is ONE SQL statement (a chain of CTEs where the rule has several steps), written from
METRICS.md and the engine's documented choices, never by calling the engine. The SQL is shared by
PostgreSQL and SQLite; the few spellings that differ (days between two dates, a high-precision
division) are filled in per vendor. On SQLite sums are floating point: equal to the cent on the
small books the tests build, not meant for timing.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.aging import BUCKET_BOUNDS, BUCKETS
from ledger.models import Application, Customer, FxRate, Invoice, Payment, WriteOff
from portfolios.models import Portfolio, Role
from reporting.behaviour import window_start
from reporting.forecast import DEFAULT_DISPUTE_DAYS, month_end
from work.models import Activity, Dispute, PromiseToPay
from work.plans.models import PaymentPlan, PlanInstallment

# The rate of a document's date: the latest on or before it, else the first after (ledger.fx).
RATE = """CASE WHEN {cur} = %(base)s THEN 1 ELSE COALESCE(
           (SELECT r.rate FROM {fx} r WHERE r.currency = {cur} AND r.rate_date <= {day}
             ORDER BY r.rate_date DESC LIMIT 1),
           (SELECT r.rate FROM {fx} r WHERE r.currency = {cur} AND r.rate_date > {day}
             ORDER BY r.rate_date ASC LIMIT 1)) END"""


def _tables() -> dict:
    user = Customer._meta.get_field("portfolio").related_model._meta.get_field("collector").related_model
    return {
        "inv": Invoice._meta.db_table, "app": Application._meta.db_table, "wo": WriteOff._meta.db_table,
        "fx": FxRate._meta.db_table, "cust": Customer._meta.db_table, "portfolio": Portfolio._meta.db_table,
        "user": user._meta.db_table, "promise": PromiseToPay._meta.db_table,
        "promise_inv": PromiseToPay.invoices.through._meta.db_table, "dispute": Dispute._meta.db_table,
        "dispute_inv": Dispute.invoices.through._meta.db_table, "plan": PaymentPlan._meta.db_table,
        "plan_inv": PaymentPlan.invoices.through._meta.db_table, "step": PlanInstallment._meta.db_table,
        "payment": Payment._meta.db_table, "activity": Activity._meta.db_table,
    }


def _days(later: str, earlier: str) -> str:
    """Whole days `later` − `earlier` of two date expressions."""
    if connection.vendor == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"({later} - {earlier})"


def _exact(expression: str) -> str:
    """A numeric with 30 decimals, so that a ratio keeps the 28 digits the engine's Decimal keeps
    (PostgreSQL divides to 16 significant digits otherwise); a float on SQLite."""
    if connection.vendor == "sqlite":
        return f"CAST({expression} AS REAL)"
    return f"CAST({expression} AS NUMERIC(1000, 30))"


def _midnight_after(day: date):
    """The first instant after `day` in the current time zone, as the database compares a stored
    datetime (`created_at__date <= day` ⇔ `created_at < it`)."""
    instant = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return connection.ops.adapt_datetimefield_value(instant)


# Every invoice open at the end of D, with its collector and its open amount in base at its issue
# day's rate: the stored open amount plus what moved (applications, write-offs) after D, read as
# the invoices open now and those closed now but moved since (two scans: an OR of the two conditions
# cannot use the covering index of the open invoices, `invoice_open_read`). The rates
# are looked up once per currency and issue day of these invoices (ledger.fx's rule), then joined.
OPEN_BASE_CTE = """
later AS (SELECT x.invoice_id, SUM(x.amount) AS amount
          FROM (SELECT a.invoice_id, a.amount FROM {app} a WHERE a.applied_on > %(d)s
                UNION ALL
                SELECT w.invoice_id, w.amount FROM {wo} w WHERE w.written_off_on > %(d)s) x
          GROUP BY x.invoice_id),
open_raw AS (
  SELECT i.id, i.customer_id, i.currency, i.issue_date, i.due_date,
         i.open_amount + COALESCE(m.amount, 0) AS left_amount
  FROM {inv} i LEFT JOIN later m ON m.invoice_id = i.id
  WHERE i.issue_date <= %(d)s AND i.status <> %(void)s AND NOT i.open_amount = 0
  UNION ALL
  SELECT i.id, i.customer_id, i.currency, i.issue_date, i.due_date, m.amount
  FROM {inv} i JOIN later m ON m.invoice_id = i.id
  WHERE i.issue_date <= %(d)s AND i.status <> %(void)s AND i.open_amount = 0),
open_rates AS MATERIALIZED (
  SELECT p.currency, p.day, {rate} AS rate
  FROM (SELECT DISTINCT currency, issue_date AS day FROM open_raw) p),
open_base AS (
  SELECT o.id, o.customer_id, o.due_date, o.left_amount, o.left_amount * r.rate AS open_base
  FROM open_raw o JOIN open_rates r ON r.currency = o.currency AND r.day = o.issue_date
  WHERE o.left_amount <> 0)"""

# The same with each invoice's collector (the username; reporting.frames' "(unassigned)" without one).
OPEN_CTE = OPEN_BASE_CTE + """,
open_inv AS (
  SELECT o.*, COALESCE(u.username, '(unassigned)') AS collector
  FROM open_base o
  JOIN {cust} c ON c.id = o.customer_id
  LEFT JOIN {portfolio} pf ON pf.id = c.portfolio_id
  LEFT JOIN {user} u ON u.id = pf.collector_id)"""

# The month-end forecast (METRICS.md, reporting.forecast): each open invoice's predicted day, as
# days after D. A payment plan live at D first (the installment whose running total covers the
# invoice, the plan's open invoices laid end to end oldest due first after what it has received; the
# last installment when none does; the newest plan when an invoice is in several), then the latest
# promise open at D, then the latest dispute open at D (due + the root cause's cycle time over the
# window, else the overall one, else 30 days, + the customer's days late), else due + the
# customer's weighted days late over the invoices closed in the 12 months to D (the book's when
# none). The offset rounded once, halves away from zero (ROUND does so on both databases).
FORECAST_SQL = """
WITH {open_cte},
paid AS (
  SELECT i.customer_id, i.currency, CASE WHEN i.currency = %(base)s THEN NULL ELSE i.issue_date END AS day,
         SUM(i.amount) AS amount, SUM(i.amount * {late_days}) AS late
  FROM {inv} i WHERE i.status = %(paid)s AND i.closed_on BETWEEN %(window)s AND %(d)s
  GROUP BY 1, 2, 3),
paid_rates AS MATERIALIZED (SELECT p.currency, p.day, {paid_rate} AS rate
               FROM (SELECT DISTINCT currency, day FROM paid WHERE day IS NOT NULL) p),
habit_sums AS (
  SELECT p.customer_id, SUM(p.amount * {paid_factor}) AS base, SUM(p.late * {paid_factor}) AS late
  FROM paid p LEFT JOIN paid_rates r ON r.currency = p.currency AND r.day = p.day GROUP BY p.customer_id),
habit AS (SELECT customer_id, days, CAST(ROUND(days) AS INTEGER) AS whole
          FROM (SELECT customer_id, {late_ratio} AS days FROM habit_sums WHERE base <> 0) x),
book AS (SELECT days, CAST(ROUND(days) AS INTEGER) AS whole
         FROM (SELECT COALESCE({book_ratio}, 0) AS days FROM habit_sums) x),
cycle AS (SELECT root_cause, {cycle_ratio} AS days FROM {dispute}
          WHERE resolved_on BETWEEN %(window)s AND %(d)s GROUP BY root_cause),
cycle_all AS (SELECT {cycle_ratio} AS days FROM {dispute} WHERE resolved_on BETWEEN %(window)s AND %(d)s),
promised AS (
  SELECT invoice_id, pay_by FROM (
    SELECT l.invoice_id, p.pay_by,
           ROW_NUMBER() OVER (PARTITION BY l.invoice_id ORDER BY p.created_at DESC, p.id DESC) AS n
    FROM {promise_inv} l JOIN {promise} p ON p.id = l.promisetopay_id
    WHERE p.created_at < %(next_day)s
      AND (p.status = %(promise_open)s
           OR (p.status IN (%(promise_kept)s, %(promise_partial)s, %(promise_broken)s) AND p.settled_on > %(d)s))) x
  WHERE n = 1),
disputed AS (
  SELECT invoice_id, root_cause FROM (
    SELECT l.invoice_id, d.root_cause,
           ROW_NUMBER() OVER (PARTITION BY l.invoice_id ORDER BY d.opened_on DESC, d.id DESC) AS n
    FROM {dispute_inv} l JOIN {dispute} d ON d.id = l.dispute_id
    WHERE d.opened_on <= %(d)s
      AND (d.resolved_on > %(d)s OR (d.resolved_on IS NULL AND d.status IN (%(dispute_open)s, %(dispute_review)s)))) x
  WHERE n = 1),
planned AS (
  SELECT l.paymentplan_id AS plan_id, l.invoice_id,
         p.total_amount - SUM(o.left_amount) OVER (PARTITION BY l.paymentplan_id)
           + SUM(o.left_amount) OVER (PARTITION BY l.paymentplan_id ORDER BY i.due_date, i.id
                               ROWS UNBOUNDED PRECEDING) AS position
  FROM {plan_inv} l JOIN {plan} p ON p.id = l.paymentplan_id
  JOIN {inv} i ON i.id = l.invoice_id JOIN open_inv o ON o.id = l.invoice_id
  WHERE p.created_at < %(next_day)s AND (p.status IN (%(plan_active)s, %(plan_broken)s) OR p.ended_on > %(d)s)),
steps AS (
  SELECT plan_id, number, due_on,
         SUM(amount) OVER (PARTITION BY plan_id ORDER BY number ROWS UNBOUNDED PRECEDING) AS cumulative
  FROM {step}),
plan_days AS (
  SELECT invoice_id, day FROM (
    SELECT q.invoice_id,
           COALESCE((SELECT s.due_on FROM steps s WHERE s.plan_id = q.plan_id AND s.cumulative >= q.position
                     ORDER BY s.number LIMIT 1),
                    (SELECT s.due_on FROM steps s WHERE s.plan_id = q.plan_id ORDER BY s.number DESC LIMIT 1)) AS day,
           ROW_NUMBER() OVER (PARTITION BY q.invoice_id ORDER BY q.plan_id DESC) AS n
    FROM planned q) x
  WHERE n = 1 AND day IS NOT NULL),
predicted AS (
  SELECT o.collector, o.open_base,
         CASE WHEN pd.day IS NOT NULL THEN {plan_after}
              WHEN pr.pay_by IS NOT NULL THEN {promise_after}
              WHEN ds.root_cause IS NOT NULL THEN {due_after}
                   + CAST(ROUND(COALESCE(cy.days, (SELECT days FROM cycle_all), %(default_cycle)s)
                                + COALESCE(h.days, (SELECT days FROM book))) AS INTEGER)
              ELSE {due_after} + COALESCE(h.whole, (SELECT whole FROM book)) END AS days_after
  FROM open_inv o
  LEFT JOIN plan_days pd ON pd.invoice_id = o.id
  LEFT JOIN promised pr ON pr.invoice_id = o.id
  LEFT JOIN disputed ds ON ds.invoice_id = o.id
  LEFT JOIN cycle cy ON cy.root_cause = ds.root_cause
  LEFT JOIN habit h ON h.customer_id = o.customer_id)
SELECT collector,
       SUM(CASE WHEN days_after > 0 AND days_after <= %(horizon)s THEN open_base ELSE 0 END),
       SUM(CASE WHEN days_after > 0 AND days_after <= %(horizon)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN days_after <= 0 THEN open_base ELSE 0 END),
       SUM(CASE WHEN days_after <= 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN days_after > %(horizon)s THEN open_base ELSE 0 END)
FROM predicted GROUP BY collector ORDER BY collector
"""


STATUSES = {
    "void": Invoice.Status.VOID, "paid": Invoice.Status.PAID, "promise_open": PromiseToPay.Status.OPEN,
    "promise_kept": PromiseToPay.Status.KEPT, "promise_partial": PromiseToPay.Status.PARTIALLY_KEPT,
    "promise_broken": PromiseToPay.Status.BROKEN, "dispute_open": Dispute.Status.OPEN,
    "dispute_review": Dispute.Status.IN_REVIEW, "plan_active": PaymentPlan.Status.ACTIVE,
    "plan_broken": PaymentPlan.Status.BROKEN, "posted": Payment.Status.POSTED,
}


def _money(value) -> Decimal:
    return Decimal(str(value or 0))


@dataclass
class ForecastFigures:
    """What the forecast shows: to the horizon, at risk, beyond, and per collector (collector,
    forecast, invoices, at risk) for the collectors with an invoice forecast or at risk."""

    forecast: Decimal
    at_risk: Decimal
    beyond: Decimal
    by_collector: tuple

    def as_tuple(self) -> tuple:
        return (self.forecast, self.at_risk, self.beyond, self.by_collector)


def open_cte(tables: dict, *, collectors: bool = True) -> str:
    """The CTEs of the invoices open at D in base (`open_base`), and with their collectors (`open_inv`)."""
    return (OPEN_CTE if collectors else OPEN_BASE_CTE).format(
        rate=RATE.format(cur="p.currency", day="p.day", **tables), **tables)


def forecast_sql() -> str:
    tables = _tables()
    return FORECAST_SQL.format(
        open_cte=open_cte(tables), late_days=_days("i.closed_on", "i.due_date"),
        paid_rate=RATE.format(cur="p.currency", day="p.day", **tables),
        paid_factor="CASE WHEN p.day IS NULL THEN 1 ELSE r.rate END",
        late_ratio=f"{_exact('late')} / base", book_ratio=f"{_exact('SUM(late)')} / NULLIF(SUM(base), 0)",
        cycle_ratio=f"{_exact('SUM(' + _days('resolved_on', 'opened_on') + ')')} / COUNT(*)",
        plan_after=_days("pd.day", "%(d)s"), promise_after=_days("pr.pay_by", "%(d)s"),
        due_after=_days("o.due_date", "%(d)s"), **tables)


def sql_forecast(as_of: date, horizon_end: date | None = None) -> ForecastFigures:
    """The month-end forecast (to `horizon_end`, default D's month end) from one statement."""
    horizon_end = horizon_end or month_end(as_of)
    params = {"d": as_of, "window": window_start(as_of), "next_day": _midnight_after(as_of),
              "horizon": (horizon_end - as_of).days, "default_cycle": DEFAULT_DISPUTE_DAYS,
              **STATUSES, "base": settings.BASE_CURRENCY}
    with connection.cursor() as cursor:
        cursor.execute(forecast_sql(), params)
        rows = cursor.fetchall()
    by_collector = tuple((name, _money(inside), int(count), _money(risky))
                         for name, inside, count, risky, risky_count, _ in rows if count or risky_count)
    return ForecastFigures(
        forecast=sum((_money(r[1]) for r in rows), Decimal(0)), at_risk=sum((_money(r[3]) for r in rows), Decimal(0)),
        beyond=sum((_money(r[5]) for r in rows), Decimal(0)), by_collector=by_collector)


def engine_forecast(as_of: date, horizon_end: date | None = None) -> ForecastFigures:
    """The same figures from the forecast engine (computed, not kept)."""
    from reporting.forecast import forecast

    report = forecast(as_of=as_of, horizon_end=horizon_end)
    return ForecastFigures(
        forecast=report.forecast, at_risk=report.at_risk, beyond=report.beyond,
        by_collector=tuple((r["collector"], r["forecast"], r["invoices"], r["at_risk"]) for r in report.by_collector))


# Cash collected (METRICS.md: payments received in the period, applied or not; reversed ones left
# out) per collector of the paying account, in base at each payment day's rate: added up per day,
# currency and collector, then converted once per group.
COLLECTED_SQL = """
WITH received AS (
  SELECT p.received_date AS day, p.currency, COALESCE(u.username, '(unassigned)') AS collector,
         SUM(p.amount) AS amount
  FROM {payment} p JOIN {cust} c ON c.id = p.customer_id
  LEFT JOIN {portfolio} pf ON pf.id = c.portfolio_id LEFT JOIN {user} u ON u.id = pf.collector_id
  WHERE p.received_date BETWEEN %(start)s AND %(d)s AND p.status = %(posted)s
  GROUP BY 1, 2, 3)
SELECT s.collector, SUM(s.amount * {day_rate}) FROM received s GROUP BY s.collector ORDER BY s.collector
"""

# The team dashboard's open-invoice figures per collector: AR, past due, the five buckets, and what
# is more than 30 days past due without a plan (an open promise not yet due or an open dispute on
# the invoice, a follow-up not yet passed on the account or its activities): amount, invoices,
# accounts.
DASHBOARD_SQL = """
WITH {open_cte},
planned AS (
  SELECT l.invoice_id FROM {promise_inv} l JOIN {promise} p ON p.id = l.promisetopay_id
  WHERE p.status = %(promise_open)s AND p.pay_by >= %(d)s
  UNION
  SELECT l.invoice_id FROM {dispute_inv} l JOIN {dispute} d ON d.id = l.dispute_id
  WHERE d.status IN (%(dispute_open)s, %(dispute_review)s)),
followed AS (
  SELECT id AS customer_id FROM {cust} WHERE follow_up_on >= %(d)s
  UNION
  SELECT customer_id FROM {activity} WHERE next_action_on >= %(d)s),
aged AS (
  SELECT o.*, {late} AS late,
         CASE WHEN {late} > %(no_plan_days)s AND pl.invoice_id IS NULL AND f.customer_id IS NULL
              THEN 1 ELSE 0 END AS unplanned
  FROM open_inv o LEFT JOIN planned pl ON pl.invoice_id = o.id LEFT JOIN followed f ON f.customer_id = o.customer_id)
SELECT collector, SUM(open_base), SUM(CASE WHEN late > 0 THEN open_base ELSE 0 END), {buckets},
       SUM(CASE WHEN unplanned = 1 THEN open_base ELSE 0 END), SUM(unplanned),
       COUNT(DISTINCT CASE WHEN unplanned = 1 THEN customer_id END)
FROM aged GROUP BY collector ORDER BY collector
"""


def _bucket_sums() -> str:
    """SUM(CASE …) of the open amount in base per aging bucket (core.aging.BUCKET_BOUNDS), in order."""
    sums = []
    for _name, low, high in BUCKET_BOUNDS:
        test = " AND ".join(part for part in (f"late >= {low}" if low is not None else "",
                                               f"late <= {high}" if high is not None else "") if part)
        sums.append(f"SUM(CASE WHEN {test} THEN open_base ELSE 0 END)")
    return ", ".join(sums)


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {**STATUSES, "base": settings.BASE_CURRENCY, **params})
        return cursor.fetchall()


def sql_collected(as_of: date) -> tuple:
    """(collector, collected in D's month to D) per collector with cash, from one statement."""
    tables = _tables()
    sql = COLLECTED_SQL.format(day_rate=RATE.format(cur="s.currency", day="s.day", **tables), **tables)
    return tuple((name, _money(amount)) for name, amount in _fetch(sql, {"d": as_of, "start": as_of.replace(day=1)}))


def engine_collected(as_of: date) -> tuple:
    from reporting.forecast import collected_by_collector

    return tuple(sorted(collected_by_collector(as_of.replace(day=1), as_of).items()))


def sql_targets(as_of: date) -> tuple:
    """The targets page's figures per collector: (collector, collected, forecast to the month's end),
    from the collected and the forecast statements."""
    collected = dict(sql_collected(as_of))
    forecast = {row[0]: row[1] for row in sql_forecast(as_of).by_collector}
    return tuple((name, collected.get(name, Decimal(0)), forecast.get(name, Decimal(0)))
                 for name in _collector_names())


def engine_targets(as_of: date) -> tuple:
    from team.selectors import target_rows

    return tuple((r.collector.username, r.collected, r.forecast) for r in target_rows(collectors=_collectors(),
                                                                                       as_of=as_of))


def sql_dashboard(as_of: date) -> tuple:
    """Per collector (the dashboard's, in its order): AR, past due, the buckets, > 30 days without a
    plan (amount, invoices, accounts), from one statement."""
    from reporting.work_metrics import NO_PLAN_DAYS

    tables = _tables()
    sql = DASHBOARD_SQL.format(open_cte=open_cte(tables), late=_days("%(d)s", "o.due_date"), buckets=_bucket_sums(),
                               **tables)
    found = {row[0]: row[1:] for row in _fetch(sql, {"d": as_of, "no_plan_days": NO_PLAN_DAYS})}
    empty = (0,) * (len(BUCKETS) + 5)
    return tuple((name, *(_money(v) for v in found.get(name, empty)[:-2]), *(int(v or 0) for v in found.get(
        name, empty)[-2:])) for name in _collector_names())


def engine_dashboard(as_of: date) -> tuple:
    from team.dashboard import team_dashboard

    board = team_dashboard(collectors=_collectors(), as_of=as_of)
    return tuple((r.collector.username, r.ar, r.past_due, *(r.buckets[b] for b in BUCKETS), r.no_plan_amount,
                  r.no_plan_invoices, r.no_plan_accounts) for r in board.rows)


def _collectors() -> list:
    """Every active collector, by username: the team pages as the head of collections sees them."""
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(groups__name=Role.COLLECTOR, is_active=True).order_by("username"))


def _collector_names() -> list[str]:
    return [user.username for user in _collectors()]


def _aging_total(as_of: date) -> Decimal:
    from reporting import metrics

    return metrics.aging(as_of=as_of).total


def _sql_aging_total(as_of: date) -> Decimal:
    from devtools.benchmarks.reports import sql_buckets

    return sum(sql_buckets(as_of), Decimal(0))


def _dso(as_of: date) -> Decimal | None:
    from reporting import metrics

    return metrics.dso(as_of).dso


def _sql_dso(as_of: date) -> Decimal | None:
    from devtools.benchmarks.reports import sql_dso

    return sql_dso(as_of)


def _late_by_cause(as_of: date) -> tuple:
    from devtools.benchmarks.reports import engine_late_by_cause

    return engine_late_by_cause(as_of)


def _sql_late_by_cause(as_of: date) -> tuple:
    from devtools.benchmarks.reports import sql_late_by_cause

    return sql_late_by_cause(as_of)


# Each headline figure's statement(s) and the engine's computation of the same figure, as of D.
FIGURES = {
    "forecast": (lambda d: sql_forecast(d).as_tuple(), lambda d: engine_forecast(d).as_tuple()),
    "collected": (sql_collected, engine_collected),
    "dashboard": (sql_dashboard, engine_dashboard),
    "aging": (_sql_aging_total, _aging_total),
    "dso": (_sql_dso, _dso),
    "root causes": (_sql_late_by_cause, _late_by_cause),
}
# The figures each morning page (devtools.benchmarks.pages.MANAGER_PAGES) shows at its head: the
# page's SQL baseline is the sum of their statements' times. The targets' figures are collected and
# the forecast per collector; the dashboard shows them beside its own. Pages without an entry have
# no baseline yet (the reports index, the forecast against actual, KPIs, e-delivery, one-on-one).
PAGE_FIGURES = {
    "team dashboard": ("dashboard", "collected", "forecast"), "targets": ("collected", "forecast"),
    "aging": ("aging",), "DSO": ("dso",), "forecast": ("forecast",), "root causes": ("root causes",),
}


def figures_run(as_of: date | None = None, repeat: int = 3) -> dict:
    """{figure: {sql_ms (median of `repeat`), same (to the cent as the engine), sql, engine}} for
    every figure of FIGURES, and {page: {sql_ms, same, figures}} for PAGE_FIGURES."""
    from devtools.benchmarks.reports import _cents, _time

    as_of = as_of or timezone.localdate()
    figures = {}
    for name, (sql, engine) in FIGURES.items():
        seconds, value = _time(lambda sql=sql: sql(as_of), repeat)
        expected = _cents(engine(as_of))
        figures[name] = {"sql_ms": round(seconds * 1000, 1), "same": _cents(value) == expected,
                         "sql": _cents(value), "engine": expected}
    pages = {page: {"sql_ms": round(sum(figures[f]["sql_ms"] for f in names), 1),
                    "same": all(figures[f]["same"] for f in names), "figures": list(names)}
             for page, names in PAGE_FIGURES.items()}
    return {"figures": figures, "pages": pages}
