"""The paid invoices of closed months, stored as facts (`PaidMonth`), for the payment behaviour.

The payment behaviour of D (`reporting.behaviour`) adds up every invoice paid in the 12 months before
D: on a large book 417,000 invoices, read by every forecast, dashboard and targets page. A closed
month's paid invoices are stored once per customer, currency and rate day (the nightly job retakes
the last `MONTHS_KEPT` months); a window then reads its whole stored months from those rows and
only its days outside them (the current month so far, the first month's tail) from the invoices.
The same rows keep the late invoices' figures for root causes (`reporting.late_sums`), which reads
a window's parts as the behaviour does (`window_parts`).

A stored month is exact for every customer none of whose invoices was written since it was taken
(`PaidMonthTaken.cutoff`): a payment, a reversal that reopens an invoice paid months ago, a
back-dated application, an import changing an amount or a due day all set the invoice's
`updated_at`. The customers with such an invoice are read from the invoices for the whole window,
so the sums are always those of the ledger as it is; rates apply after (`closed_sums_of`), so a rate
added later counts as it would. The cutoff is set before the month is read, back by the longest
transaction still open then (its writes, committed after the read, carry an earlier `updated_at`)
and by a margin for the clocks of other servers.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DataError, connection, transaction
from django.db.models import BigIntegerField, QuerySet, Sum
from django.utils import timezone

from core.arrays import none_of
from core.db_stats import refresh_planner_statistics
from ledger.fx import MissingFxRate, check_rates, rates_on
from ledger.models import FxRate, Invoice
from reporting.frames import (
    CLOSED_GROUP_COLUMNS,
    CLOSED_LATE_COLUMNS,
    closed_groups,
    closed_groups_query,
    closed_sums_of,
    driver_rows,
)
from reporting.models import PaidMonth, PaidMonthTaken, PaidWindow, PaidWindowTaken

logger = logging.getLogger(__name__)

MONTHS_KEPT = 13  # a window of 12 months before any day of this month, and the month before
CLOCK_MARGIN = timedelta(minutes=5)  # app servers' clocks against the database's
CHANGED_MOST = 5000  # more customers written since than this: the whole window from the invoices


def month_first(day: date) -> date:
    return day.replace(day=1)


def month_last(first: date) -> date:
    return first + relativedelta(months=1) - timedelta(days=1)


def months_due(today: date, kept: int = MONTHS_KEPT) -> list[date]:
    """The first days of the `kept` closed months before today's month, oldest first."""
    this = month_first(today)
    return [this - relativedelta(months=n) for n in range(kept, 0, -1)]


def paid_months_take(months: list[date], *, now: datetime | None = None) -> list[PaidMonthTaken]:
    """Store (or retake) the paid invoices of these months (their first days): each month in one
    transaction, its old rows replaced by one INSERT … SELECT of the database's sums. Safe to run
    twice, and alongside writers (see the module's note on the cutoff)."""
    taken = []
    for month in sorted(set(months)):
        cutoff = _cutoff(now or timezone.now())
        try:
            taken.append(_take(month, cutoff))
        except DataError:  # a sum beyond 64 bits: the month stays as it was (read from the invoices if never taken)
            logger.exception("The paid invoices of %s were not stored: a sum does not fit in 64 bits.", month)
    if taken:
        refresh_planner_statistics(PaidMonth)  # a month's rows replaced: the planner's counts with them
    return taken


def _take(month: date, cutoff: datetime) -> PaidMonthTaken:
    with transaction.atomic():
        PaidMonth.objects.filter(month=month).delete()
        sql, params = closed_groups_query(month, month_last(month), late=True).query.sql_with_params()
        table, qn = PaidMonth._meta.db_table, connection.ops.quote_name
        fields = ["month", "customer_id", "currency", "rate_day", "cents", "late", "pay", "invoices",
                  *CLOSED_LATE_COLUMNS]
        picked = ", ".join(f"g.{qn(column)}" for column in (*CLOSED_GROUP_COLUMNS, *CLOSED_LATE_COLUMNS))
        on = month if connection.vendor == "postgresql" else month.isoformat()  # typed: INSERT … SELECT %s
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {qn(table)} ({', '.join(qn(f) for f in fields)}) "
                           f"SELECT %s, {picked} FROM ({sql}) g", [on, *params])
            groups = cursor.rowcount
        row, _ = PaidMonthTaken.objects.update_or_create(month=month, defaults={"cutoff": cutoff,
                                                                               "groups": groups})
    return row


def _cutoff(now: datetime) -> datetime:
    """`now` less the clock margin, or the start of the oldest other transaction open on the
    database if earlier (PostgreSQL; SQLite has one writer at a time)."""
    cutoff = now - CLOCK_MARGIN
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")
            (oldest,) = cursor.fetchone()
        if oldest is not None:
            cutoff = min(cutoff, oldest - CLOCK_MARGIN)
    return cutoff


@dataclass
class WindowSums:
    """The invoices paid in a window, in two parts that add up to `frames.closed_sums` of it:
    `groups` as `closed_sums_of` gives them (per customer, currency and rate), and `in_base` the
    stored months' rows already converted by the database (PostgreSQL: exact numeric products) as
    (customer id, Σ cents × rate, Σ cents × days late × rate, Σ cents × days to pay × rate, how
    many) per customer, with the distinct `rates` they used."""

    groups: pd.DataFrame
    in_base: list[tuple] = field(default_factory=list)
    rates: set[Decimal] = field(default_factory=set)


@dataclass
class WindowParts:
    """How a window start..end is read: `stored` months (first days) from `PaidMonth` for every
    customer but the `changed` ones (an invoice written since the earliest of their cutoffs); the
    changed customers' invoices over the stored months' `runs` (first day, last day) and everyone's
    over the `gaps` (the days outside them) from the invoices. Together: the invoices alone."""

    stored: list[date]
    changed: list[int]
    runs: list[tuple[date, date]]
    gaps: list[tuple[date, date]]
    cutoffs: dict[date, datetime] = field(default_factory=dict)  # {stored month: its cutoff}


def window_parts(start: date, end: date) -> WindowParts:
    """The parts of start..end (`WindowParts`): no stored month (the whole window from the invoices)
    if none was taken, or if more than CHANGED_MOST customers were written since. One or two queries."""
    stored = _stored_months(start, end)
    whole = WindowParts([], [], [], [(start, end)])
    if not stored:
        return whole
    changed = list(Invoice.objects.filter(updated_at__gte=min(stored.values())).order_by()
                   .values_list("customer_id", flat=True).distinct())
    if len(changed) > CHANGED_MOST:
        return whole
    runs = _runs(sorted(stored))
    return WindowParts(sorted(stored), changed, runs, _gaps(start, end, runs), stored)


def window_sums(start: date, end: date) -> WindowSums:
    """The invoices paid in start..end (see `WindowSums`): the whole stored months of the window
    from `PaidMonth`, except for the customers with an invoice written since; those customers'
    invoices and the days outside stored months from the invoices (`window_parts`). Equal to
    `frames.closed_sums` whatever was written when."""
    window = window_parts(start, end)
    if not window.stored:
        return WindowSums(closed_sums_of(closed_groups(start, end)))
    stored, changed = window.stored, window.changed
    parts = [closed_groups(first, last) for first, last in window.gaps]
    if changed:
        parts += [closed_groups(first, last, changed) for first, last in window.runs]
    if connection.vendor == "postgresql":
        in_base, rates = _window_in_base(window.cutoffs, changed) or _stored_in_base(stored, changed)
    else:  # SQLite's products are floating point: the stored groups are converted as the invoices' are
        in_base, rates = [], set()
        parts.append(_stored_groups(stored, changed))
    parts = [part for part in parts if not part.empty]
    groups = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CLOSED_GROUP_COLUMNS)
    return WindowSums(closed_sums_of(groups), in_base, rates)


def _stored_in_base(months: list[date], changed: list[int]) -> tuple[list[tuple], set[Decimal]]:
    """The stored months' rows converted to base and added up per customer by the database
    (`stored_in_base`), the changed customers' left out."""
    rows = PaidMonth.objects.filter(month__in=months)
    if changed:
        rows = none_of(rows, "customer_id", changed)
    return stored_in_base(rows, WINDOW_CONVERTED, WINDOW_COUNTED)


def stored_in_base(rows: QuerySet, converted: list[str], counted: list[str]) -> tuple[list[tuple], set[Decimal]]:
    """`PaidMonth` rows (any filter) added up per customer by the database (PostgreSQL): (customer id,
    Σ column × rate for each `converted` column, Σ column for each `counted` one), each (currency, rate
    day) at its rate (`rates_on`, passed in as arrays and joined; exact numeric products), with the
    distinct rates used. Two queries and one for the rates; a customer may come twice (base currency,
    others). Raises MissingFxRate as `check_rates` does."""
    query = _in_base_query(rows, converted, counted)
    if query is None:
        return [], set()
    sql, params, rates = query
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall(), rates


def _in_base_query(rows: QuerySet, converted: list[str], counted: list[str]) -> tuple[str, list, set[Decimal]] | None:
    """(SQL, parameters, distinct rates) of `stored_in_base`; None when no row can match."""
    try:
        inner, inner_params = (rows.order_by().values("customer_id", "currency", "rate_day", *converted, *counted)
                               .query.sql_with_params())
    except EmptyResultSet:  # a filter no row can meet (an empty scope): no query
        return None
    keys = list(rows.exclude(currency=settings.BASE_CURRENCY).order_by().values_list("currency", "rate_day")
                .distinct())
    found = rates_on(keys)
    check_rates(pd.DataFrame({"currency": [c for c, _ in keys], "rate": [found[k] for k in keys]}))
    customer = connection.ops.quote_name("customer_id")
    names = [connection.ops.quote_name(column) for column in (*converted, *counted)]
    added = ", ".join(f"SUM(g.{name})" for name in names)
    products = ", ".join([f"SUM(g.{name} * r.rate)" for name in names[:len(converted)]]
                         + [f"SUM(g.{name})" for name in names[len(converted):]])
    # The base currency's rows are only added up (their rate is 1): bigint sums, no product per row.
    sql = (f"SELECT g.{customer}, {added} FROM ({inner}) g WHERE g.rate_day IS NULL GROUP BY g.{customer} "
           f"UNION ALL SELECT g.{customer}, {products} FROM ({inner}) g "
           f"JOIN unnest(%s::varchar[], %s::date[], %s::numeric[]) AS r(currency, rate_day, rate) "
           f"ON r.currency = g.currency AND r.rate_day = g.rate_day GROUP BY g.{customer}")
    rates = [[c for c, _ in keys], [d for _, d in keys], [found[k] for k in keys]]
    return sql, [*inner_params, *inner_params, *rates], {found[k] for k in keys}


# --- The stored months of a window, added up once ---------------------------------------------------------

WINDOW_CONVERTED, WINDOW_COUNTED = ["cents", "late", "pay"], ["invoices"]  # what the payment behaviour reads


def paid_window_take(start: date, end: date) -> PaidWindowTaken | None:
    """Add up, once, the stored months lying wholly in start..end per customer in base (what a read
    of the window's stored months gives, `stored_in_base`), so that every read of that window today
    is one row per customer (`PaidWindow`). PostgreSQL only (SQLite converts in Python, from the
    months' rows). The windows taken before are dropped: derived rows, not records. None when no
    month is stored, or when the rates or the sums do not allow it (logged: the months are then read
    as they are, and a missing rate is reported there)."""
    if connection.vendor != "postgresql":
        return None
    stored = _stored_months(start, end)
    if not stored:
        return None
    months = sorted(stored)
    try:
        with transaction.atomic():
            query = _in_base_query(PaidMonth.objects.filter(month__in=months), WINDOW_CONVERTED, WINDOW_COUNTED)
            if query is None:
                return None
            sql, params, rates = query
            taken = PaidWindowTaken.objects.create(
                first_month=months[0], last_month=months[-1], months=_months_key(stored),
                rates_signature=rates_signature(month_last(months[-1])), rates=sorted(str(rate) for rate in rates))
            table, qn = PaidWindow._meta.db_table, connection.ops.quote_name
            fields = ", ".join(qn(f) for f in ["window_id", "customer_id", "cents", "late", "pay", "invoices"])
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {qn(table)} ({fields}) SELECT %s, w.* FROM ({sql}) w", [taken.pk, *params])
                taken.customers = cursor.rowcount
            taken.save(update_fields=["customers"])
            PaidWindowTaken.objects.exclude(pk=taken.pk).delete()
    except (MissingFxRate, DataError):
        logger.exception("The paid invoices of %s..%s were not added up in base.", months[0], months[-1])
        return None
    refresh_planner_statistics(PaidWindow)
    return taken


def _months_key(stored: dict[date, datetime]) -> dict[str, str]:
    return {month.isoformat(): cutoff.isoformat() for month, cutoff in sorted(stored.items())}


def rates_signature(last_day: date) -> str:
    """A digest of every rate that can apply to a day up to `last_day` (ledger.fx: the latest on or
    before the day, else the first after): the rates dated up to it and each currency's first. Any
    rate added, changed or removed among them changes it. One query."""
    rows, first_seen = [], set()
    for currency, day, rate in FxRate.objects.order_by("currency", "rate_date").values_list(
            "currency", "rate_date", "rate"):
        if day <= last_day or currency not in first_seen:
            rows.append(f"{currency} {day.isoformat()} {rate}")
        first_seen.add(currency)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def _window_in_base(stored: dict[date, datetime], changed: list[int]) -> tuple[list[tuple], set[Decimal]] | None:
    """The stored months' rows in base from their `PaidWindow`, the changed customers' left out: what
    `_stored_in_base` gives. None unless a window was taken of exactly these months, as they are
    stored now, with the same rates. Two queries and one for its rows."""
    months = sorted(stored)
    taken = (PaidWindowTaken.objects.filter(first_month=months[0], last_month=months[-1])
             .only("months", "rates_signature", "rates").first())
    if taken is None or taken.months != _months_key(stored) or taken.rates_signature != rates_signature(
            month_last(months[-1])):
        return None
    rows = PaidWindow.objects.filter(window=taken)
    if changed:
        rows = none_of(rows, "customer_id", changed)
    return (driver_rows(rows.order_by().values_list("customer_id", "cents", "late", "pay", "invoices")),
            {Decimal(rate) for rate in taken.rates})


def _stored_months(start: date, end: date) -> dict[date, datetime]:
    """{month's first day: its cutoff} of the taken months lying wholly in start..end."""
    first = month_first(start) if start.day == 1 else month_first(start) + relativedelta(months=1)
    return {month: cutoff for month, cutoff in PaidMonthTaken.objects.filter(month__gte=first).values_list(
        "month", "cutoff") if month_last(month) <= end}


def _stored_groups(months: list[date], changed: list[int]) -> pd.DataFrame:
    """The stored months' rows added up per customer, currency and rate day, the changed customers'
    left out. Whole-number sums (BigIntegerField: no decimal converter; PostgreSQL's numeric sums
    come through the driver as they are)."""
    whole = BigIntegerField()
    qs = PaidMonth.objects.filter(month__in=months)
    if changed:
        qs = none_of(qs, "customer_id", changed)
    qs = (qs.order_by().values("customer_id", "currency", "rate_day")
          .annotate(c=Sum("cents", output_field=whole), l=Sum("late", output_field=whole),
                    p=Sum("pay", output_field=whole), n=Sum("invoices", output_field=whole))
          .values_list("customer_id", "currency", "rate_day", "c", "l", "p", "n"))
    return pd.DataFrame.from_records(driver_rows(qs), columns=CLOSED_GROUP_COLUMNS)


def _runs(months: list[date]) -> list[tuple[date, date]]:
    """Consecutive months (first days, sorted) as (first day, last day) runs."""
    runs: list[list[date]] = []
    for month in months:
        if runs and runs[-1][1] + timedelta(days=1) == month:
            runs[-1][1] = month_last(month)
        else:
            runs.append([month, month_last(month)])
    return [(first, last) for first, last in runs]


def _gaps(start: date, end: date, runs: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The days of start..end outside the runs, as (first, last) ranges."""
    gaps, day = [], start
    for first, last in runs:
        if day < first:
            gaps.append((day, first - timedelta(days=1)))
        day = max(day, last + timedelta(days=1))
    if day <= end:
        gaps.append((day, end))
    return gaps
