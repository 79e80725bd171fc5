"""The ledger as pandas frames: each function is ONE query that fetches only the columns a report needs.

Amounts stay `Decimal` (object columns); `base` columns are converted to the base currency at the
rate of the document's own date (the latest rate on or before it, else the first one after it).
The open amount of an invoice at `D` is amount − applications dated ≤ D − write-offs dated ≤ D,
for invoices issued ≤ D; it is read as the stored open amount + the movements dated after D.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round

from core.aging import BUCKET_BOUNDS, BUCKETS
from core.arrays import any_of
from core.money import MONEY_FIELD, ZERO
from ledger.fx import check_rates, rate_expression, rates_on, to_base
from ledger.models import Application, CreditNote, Customer, Invoice, Payment, WriteOff


@dataclass(frozen=True)
class Scope:
    """Which part of the book a report covers. `collector` is a user, a user id or a username."""

    collector: object = None
    segment: str | None = None
    currency: str | None = None

    def filter(self, qs: QuerySet, customer: str = "customer", currency_field: str | None = "currency") -> QuerySet:
        if self.collector not in (None, ""):
            collector = self.collector
            if isinstance(collector, str) and not collector.isdigit():
                qs = qs.filter(**{f"{customer}__portfolio__collector__username": collector})
            else:
                qs = qs.filter(**{f"{customer}__portfolio__collector": getattr(collector, "pk", collector)})
        if self.segment:
            qs = qs.filter(**{f"{customer}__segment": self.segment})
        if self.currency and currency_field:
            qs = qs.filter(**{currency_field: self.currency})
        return qs


BOOK = Scope()


def _applied(fk: str, as_of: date, *, after: bool = False):
    """Σ the applications of the row's payment or credit note (`fk`) dated on or before `as_of`, or
    after it."""
    rows = (
        Application.objects.filter(**{fk: OuterRef("pk"), f"applied_on__{'gt' if after else 'lte'}": as_of})
        .order_by()
        .values(fk)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=MONEY_FIELD), Value(ZERO, output_field=MONEY_FIELD))


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


def driver_rows(qs: QuerySet) -> list[tuple]:
    """The rows of a `values_list` query of 100,000 rows or more. On PostgreSQL they are read from
    the cursor as psycopg2 gives them: it already returns what Django's per-row converters would
    make of these columns (Decimal for numeric, date, int; a SUM of integers as a whole Decimal, which
    callers take with `int`), and those converters cost 0.2–0.4 s per 100,000 rows. Elsewhere
    (SQLite keeps decimals and dates as text and floats) through the ORM, converters and all."""
    if connection.vendor != "postgresql":
        return list(qs)
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _big_frame(qs: QuerySet, columns: list[str]) -> pd.DataFrame:
    """`_frame` for a query of 100,000 rows or more (`driver_rows`)."""
    return pd.DataFrame.from_records(driver_rows(qs), columns=columns)


INVOICE_COLUMNS = [
    "invoice_id", "invoice", "customer_id", "customer", "family_id", "family", "collector_id", "collector",
    "segment", "currency", "issue_date", "due_date", "amount", "rate",
]


INVOICE_READ = ["invoice_id", "invoice", "customer_id", "currency", "issue_date", "due_date", "amount", "cents"]
FEW_CUSTOMERS = 2000  # up to this many, the invoices' customers are read by their ids; beyond, all of them
CUSTOMER_READ = ["customer_id", "customer", "family_id", "family", "collector_id", "collector", "segment"]


def _with_customers(invoices: pd.DataFrame) -> pd.DataFrame:
    """The invoices (INVOICE_READ) with their customer's name, family, collector and segment, in the
    order of INVOICE_COLUMNS (and cents): the customers read once each, by their ids (a few
    thousand strings instead of four per invoice: the invoices' read is half as heavy), and each
    column typed as a read of every invoice with its customer would have typed it."""
    ids = invoices["customer_id"].unique().tolist()
    # Thousands of ids cost more to bind and plan than reading every customer (20,000 rows) costs.
    customers = _big_frame((any_of(Customer.objects.all(), "id", ids) if len(ids) <= FEW_CUSTOMERS
                            else Customer.objects.all()).annotate(
        family_id=Coalesce("family_top_id", "id"),  # the top of the family (any depth)
        family=Coalesce("family_top__name", "name"),
    ).order_by().values_list("pk", "name", "family_id", "family", "portfolio__collector_id",
                             "portfolio__collector__username", "segment"), CUSTOMER_READ)
    positions = pd.Index(customers["customer_id"]).get_indexer(invoices["customer_id"])
    read = customers.iloc[positions].reset_index(drop=True)
    if read["collector_id"].dtype.kind == "f" and not read["collector_id"].isna().any():
        read["collector_id"] = read["collector_id"].astype("int64")  # none missing among these: whole numbers
    invoices = invoices.reset_index(drop=True)
    return pd.concat([invoices[["invoice_id", "invoice"]], read,
                      invoices[["currency", "issue_date", "due_date", "amount", "cents"]]], axis=1)


def _moved_after(first: date, last: date, scope: Scope) -> QuerySet:
    """(invoice, date, cents) of every application and write-off dated after `first`, of the
    scope's invoices issued by `last` (void ones aside). Usually none when `first` is today."""
    def movements(model, date_field: str) -> QuerySet:
        qs = model.objects.filter(**{f"{date_field}__gt": first}, invoice__issue_date__lte=last).exclude(
            invoice__status=Invoice.Status.VOID)
        return (scope.filter(qs, customer="invoice__customer", currency_field="invoice__currency").order_by()
                .annotate(on=F(date_field), cents=whole_cents())
                .values_list("invoice_id", "on", "cents"))

    return movements(Application, "applied_on").union(movements(WriteOff, "written_off_on"), all=True)


def _invoices_open_during(first: date, last: date, scope: Scope) -> tuple[QuerySet, QuerySet]:
    """Invoices issued by `last` that were open at the end of some day in first..last, as two
    disjoint querysets: open now, and closed now but moved (applied, reversed, written off) after
    `first`. The second is a plain `IN` over the movements dated after `first`, which the database
    joins as a hashed semi-join. Kept apart on purpose: an OR of the two made PostgreSQL test the
    IN row by row once the movements no longer fitted in `work_mem` (on the large book, 500,000
    invoices times 470,000 movements: a query that never finished), and an EXISTS per invoice it
    could not estimate looped over every application."""
    moved = Application.objects.filter(applied_on__gt=first).order_by().values("invoice_id").union(
        WriteOff.objects.filter(written_off_on__gt=first).order_by().values("invoice_id"), all=True)
    issued = scope.filter(Invoice.objects.filter(issue_date__lte=last).exclude(status=Invoice.Status.VOID))
    return issued.exclude(open_amount=0), issued.filter(open_amount=0, pk__in=moved)


def open_invoices_at(dates, scope: Scope = BOOK, *, sample: int | None = None,
                     whole: Iterable[date] = ()) -> dict[date, pd.DataFrame]:
    """{D: every invoice open at the end of D} for several dates, from two queries: the invoices that
    could be open on one of them, and their movements (applications and write-offs) dated after the
    first. Open at D = the stored open amount + what moved after D (amount − applications −
    write-offs is the stored open amount, `check_ledger`), for invoices issued ≤ D: the book's
    history before D is never read. With `sample`, a date with more open invoices than that gets a
    random sample of them (the same for the same date), unless it is one of `whole`: for training
    rows, never for figures."""
    dates = sorted(set(dates))
    if not dates:
        return {}
    first, last = dates[0], dates[-1]

    def columns(candidates: QuerySet) -> QuerySet:
        return candidates.annotate(cents=whole_cents("open_amount")).order_by().values_list(
            "pk", "external_id", "customer_id", "currency", "issue_date", "due_date", "amount", "cents")

    open_now, moved_since = _invoices_open_during(first, last, scope)
    invoices = _big_frame(columns(open_now).union(columns(moved_since), all=True), INVOICE_READ)
    invoices = _with_customers(invoices)
    invoices.insert(INVOICE_COLUMNS.index("rate"), "rate", _rates_at(invoices, "issue_date"))
    movements = _frame(_moved_after(first, last, scope), ["invoice_id", "on", "cents"])
    # Cents as int64 make the per-date sums exact and fast; money has two decimals by construction.
    invoices["cents"] = invoices["cents"].astype("int64")
    movements["cents"] = movements["cents"].astype("int64")
    invoices["collector"] = invoices["collector"].fillna("(unassigned)")
    whole = set(whole)
    return {day: _open_on(day, invoices, movements, None if day in whole else sample) for day in dates}


def open_sums_at(dates, scope: Scope = BOOK) -> dict[date, pd.DataFrame]:
    """{D: the open amount at the end of D per currency, issue day and due day} for several dates:
    what AR by bucket needs (every invoice of a group has the same rate, its issue day's, and the
    same days past due), added up by the database. Two queries and one for the rates, a few hundred
    rows, whatever the book's size: the stored open amounts of the open invoices issued by the last
    date, and the movements (applications, write-offs) dated after the first, per day; open at D =
    stored open amount + what moved after D, of the invoices issued by D (`open_invoices_at`'s rule,
    summed; an invoice closed now adds nothing of its own). Columns: currency, issue_date, due_date,
    open, rate, open_base, days_past_due, bucket."""
    dates = sorted(set(dates))
    if not dates:
        return {}
    first, last = dates[0], dates[-1]
    group = ("currency", "issue_date", "due_date")
    stored = _frame(scope.filter(Invoice.objects.filter(issue_date__lte=last).exclude(status=Invoice.Status.VOID)
                                 .exclude(open_amount=0)).order_by().values(*group)
                    .annotate(cents=_cents_sum("open_amount")).values_list(*group, "cents"), [*group, "cents"])

    def movements(model, date_field: str) -> QuerySet:
        qs = model.objects.filter(**{f"{date_field}__gt": first}, invoice__issue_date__lte=last).exclude(
            invoice__status=Invoice.Status.VOID)
        keys = [f"invoice__{field}" for field in group]
        return (scope.filter(qs, customer="invoice__customer", currency_field="invoice__currency").order_by()
                .values(date_field, *keys).annotate(cents=_cents_sum()).values_list(date_field, *keys, "cents"))

    moved = _frame(movements(Application, "applied_on").union(movements(WriteOff, "written_off_on"), all=True),
                   ["on", *group, "cents"])
    for frame in (stored, moved):
        frame["cents"] = frame["cents"].map(int).astype("int64") if not frame.empty else frame["cents"]
    keys = {*zip(stored["currency"], stored["issue_date"], strict=True),
            *zip(moved["currency"], moved["issue_date"], strict=True)}
    rates = rates_on(keys) if keys else {}  # one read of the rates for every date
    found = {}
    for day in dates:
        parts = [stored[stored["issue_date"] <= day][[*group, "cents"]],
                 moved[(moved["on"] > day) & (moved["issue_date"] <= day)][[*group, "cents"]]]
        parts = [part for part in parts if not part.empty]
        if parts:
            sums = pd.concat(parts).groupby(list(group), as_index=False)["cents"].sum()
            sums = sums[sums["cents"] != 0].reset_index(drop=True)
        else:
            sums = pd.DataFrame({**{field: pd.Series(dtype=object) for field in group},
                                 "cents": pd.Series(dtype="int64")})
        found[day] = _sums_aged(day, sums, rates)
    return found


GROUP_FIELDS = {"collector": "customer__portfolio__collector__username", "segment": "customer__segment"}


def open_groups_at(day: date, scope: Scope = BOOK, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """The invoices open at the end of `day` added up per `by` (of GROUP_FIELDS: collector,
    segment), currency, issue day and due day, with how many invoices each group holds: an aging
    table by collector or segment without reading every open invoice. The invoices nothing moved
    after `day` are added up and counted by the database; the few that moved after it (none, when
    `day` is today) are read one by one, as `open_invoices_at` reads them, and added in. Columns:
    *by, currency, issue_date, due_date, invoices, open, rate, open_base, days_past_due, bucket.
    Inside `reads_shared` read once per page (the reports page's aging and its DSO's AR)."""
    shared = _shared.get()
    if shared is None:
        return _groups_read(day, scope, by)
    if ("groups", day, scope, by) not in shared:
        shared[("groups", day, scope, by)] = _groups_read(day, scope, by)
    return shared[("groups", day, scope, by)].copy(deep=False)  # copy-on-write: the callers' changes stay theirs


def _groups_read(day: date, scope: Scope, by: tuple[str, ...]) -> pd.DataFrame:
    keys = [GROUP_FIELDS[name] for name in by]
    group = ["currency", "issue_date", "due_date"]
    applied_after = Exists(Application.objects.filter(invoice=OuterRef("pk"), applied_on__gt=day))
    written_off_after = Exists(WriteOff.objects.filter(invoice=OuterRef("pk"), written_off_on__gt=day))
    issued = scope.filter(Invoice.objects.filter(issue_date__lte=day).exclude(status=Invoice.Status.VOID))
    # two NOT EXISTS, each an anti-join PostgreSQL estimates well (NOT of their OR it guessed at a
    # quarter of the rows, and walked the issue-date index to skip a sort of a few thousand)
    still = _frame(issued.exclude(open_amount=0).exclude(applied_after).exclude(written_off_after).order_by()
                   .values(*keys, *group)
                   .annotate(cents=_cents_sum("open_amount"), invoices=Count("pk"))
                   .values_list(*keys, *group, "cents", "invoices"), [*by, *group, "cents", "invoices"])
    moved_ids = issued.filter(pk__in=Application.objects.filter(applied_on__gt=day).order_by().values("invoice_id")
                              .union(WriteOff.objects.filter(written_off_on__gt=day).order_by().values("invoice_id"),
                                     all=True)).values_list("pk", flat=True)  # from the movements' date index
    moved = _frame(Invoice.objects.filter(pk__in=moved_ids).order_by().annotate(
        cents=whole_cents("open_amount")).values_list("pk", *keys, *group, "cents"),
        ["invoice_id", *by, *group, "cents"])
    if not moved.empty:  # open at `day` = open now + what moved after it, one by one; the closed ones left out
        later = _frame(_moved_after(day, day, scope), ["invoice_id", "on", "cents"])  # of the same invoices
        later_cents = later.groupby("invoice_id")["cents"].agg(lambda c: sum(int(x) for x in c))
        moved["cents"] = [int(c) + int(later_cents.get(i, 0)) for i, c in zip(moved["invoice_id"], moved["cents"],
                                                                                strict=True)]
        moved = moved[moved["cents"] != 0].drop(columns=["invoice_id"]).assign(invoices=1)
    else:
        moved = moved.drop(columns=["invoice_id"]).assign(invoices=0)
    parts = [part for part in (still, moved) if not part.empty]
    if not parts:
        return _sums_aged(day, pd.DataFrame({**{c: pd.Series(dtype=object) for c in [*by, *group]},
                                        "cents": pd.Series(dtype="int64"), "invoices": pd.Series(dtype="int64")}),
                     {})
    frame = pd.concat(parts, ignore_index=True)
    frame["cents"] = frame["cents"].map(int).astype("int64")
    frame["invoices"] = frame["invoices"].astype("int64")
    for name in by:
        frame[name] = frame[name].fillna("(unassigned)" if name == "collector" else "")
    sums = frame.groupby([*by, *group], as_index=False, dropna=False)[["cents", "invoices"]].sum()
    sums = sums[sums["invoices"] > 0].reset_index(drop=True)
    rates = rates_on(set(zip(sums["currency"], sums["issue_date"], strict=True))) if not sums.empty else {}
    return _sums_aged(day, sums, rates)


HUNDREDTH = Decimal("0.01")  # cents × 0.01: the amount with two decimals, exactly (a product, no rounding)


def _aged(day: date, frame: pd.DataFrame) -> pd.DataFrame:
    """A frame of open amounts in whole `cents` with their `rate`, given its open amount, in base,
    its days past due at `day` and its bucket (the cents dropped): invoices or sums of them."""
    frame["open"] = pd.Series([Decimal(int(c)) * HUNDREDTH for c in frame["cents"]], index=frame.index, dtype=object)
    frame["open_base"] = to_base(frame, "open")
    frame["days_past_due"] = pd.Series([(day - d).days for d in frame["due_date"]], index=frame.index,
                                       dtype="int64")
    frame["bucket"] = bucket_of(frame["days_past_due"])
    return frame.drop(columns=["cents"])


def _sums_aged(day: date, sums: pd.DataFrame, rates: dict) -> pd.DataFrame:
    """`_aged` for sums per currency and issue day, each at its rate from `rates` (`rates_on`)."""
    frame = sums.copy()
    frame["rate"] = pd.Series([rates[key] for key in zip(frame["currency"], frame["issue_date"], strict=True)],
                              index=frame.index, dtype=object)
    return _aged(day, frame)


def _rates_at(frame: pd.DataFrame, on: str) -> pd.Series:
    """Each row's rate to base at its date `on`, looked up once per (currency, day) after the read
    rather than by a subquery per row (rates_on: the rule of rate_expression). One query."""
    currencies = frame["currency"].to_numpy(dtype=object)
    foreign = currencies != settings.BASE_CURRENCY  # the base currency's rate is 1 whatever the day
    found = np.empty(len(frame), dtype=object)
    found.fill(Decimal("1"))
    if foreign.any():
        keys = list(zip(currencies[foreign].tolist(), frame[on].to_numpy(dtype=object)[foreign].tolist(), strict=True))
        rates = rates_on(keys)
        found[foreign] = [rates[key] for key in keys]
    return pd.Series(found, index=frame.index, dtype=object)


def _open_on(day: date, invoices: pd.DataFrame, movements: pd.DataFrame, sample: int | None = None) -> pd.DataFrame:
    frame = invoices[invoices["issue_date"] <= day]
    moved_later = movements[movements["on"] > day].groupby("invoice_id")["cents"].sum()
    open_cents = frame["cents"] + frame["invoice_id"].map(moved_later).fillna(0).astype("int64")
    frame, open_cents = frame[open_cents != 0], open_cents[open_cents != 0]
    if sample is not None and len(frame) > sample:  # before any per-row work
        chosen = frame.sample(n=sample, random_state=day.toordinal()).index.sort_values()
        frame, open_cents = frame.loc[chosen], open_cents.loc[chosen]
    frame = frame.copy(deep=False)  # the caller's rows stay as they are (copy-on-write)
    frame["cents"] = open_cents
    return _aged(day, frame).reset_index(drop=True)


def first_issue_date(scope: Scope = BOOK) -> date | None:
    """The day the scope's history begins: its earliest invoice (void ones aside). One query."""
    return (scope.filter(Invoice.objects.exclude(status=Invoice.Status.VOID)).order_by("issue_date")
            .values_list("issue_date", flat=True).first())


_shared: ContextVar[dict | None] = ContextVar("frames_shared", default=None)
SHARED_FRAMES = 4  # frames kept inside one `reads_shared` block (100,000 open invoices are tens of MB)


@contextmanager
def reads_shared() -> Iterator[None]:
    """Inside the block (one page view, one morning warm-up), the open invoices at a date are read
    from the database once, however many of the page's figures need them (the team dashboard's
    own figures and its forecast, say); each caller gets its own copy of the frame (a shallow one:
    pandas copies on write, so what a caller changes stays its own)."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def open_invoices(as_of: date, scope: Scope = BOOK) -> pd.DataFrame:
    """Every invoice open at the end of `as_of`, with its open amount then (in its currency and in
    base), its days past due and its aging bucket."""
    shared = _shared.get()
    if shared is None:
        return open_invoices_at([as_of], scope)[as_of]
    if (as_of, scope) not in shared:
        if len(shared) >= SHARED_FRAMES:  # a morning warm-up reads many dates: keep the latest few
            del shared[next(iter(shared))]
        shared[(as_of, scope)] = open_invoices_at([as_of], scope)[as_of]
    return shared[(as_of, scope)].copy(deep=False)


def bucket_of(days_past_due: pd.Series) -> pd.Series:
    """Current ≤ 0 days past due, then 1–30, 31–60, 61–90, 91+."""
    edges = [high for _name, _low, high in BUCKET_BOUNDS[:-1]]
    cut = pd.cut(days_past_due, bins=[-10**9, *edges, 10**9], labels=list(BUCKETS))
    return cut.astype(object)


def decimal_sums(frame: pd.DataFrame, keys: str | list[str], column: str) -> dict:
    """{group: the exact Σ of a Decimal column (from ZERO)} per group of `keys`, in one pass over the
    frame; the group is the key's value, or a tuple of them for several keys. No row, no group."""
    if frame.empty:
        return {}
    return {key: sum(values.tolist(), ZERO) for key, values in frame.groupby(keys, sort=False, observed=True)[column]}


def whole_cents(amount: str = "amount") -> Cast:
    """A money column in whole cents (bigint): exact on every database (money has two decimals by
    construction), so the database can add them up exactly."""
    return Cast(Round(F(amount) * 100), BigIntegerField())


def _cents_sum(amount: str = "amount"):
    """Σ amount in whole cents, exact on every database (SQLite adds decimals as floating point)."""
    return Sum(whole_cents(amount))


def base_total(qs: QuerySet, amount: str = "amount", on: str = "issue_date") -> Decimal:
    """Σ `amount` of the documents of `qs`, in base, each at the rate of its own date (`on`), exactly
    as converting every row would give (Σ rate × amount = rate × Σ amount): the database adds up
    each day and currency (a few hundred groups, not every row with an FX lookup each). One query and
    one for the rates; MissingFxRate when a currency has no rate."""
    return base_totals_by(qs, None, amount, on).get(None, ZERO)


def base_totals_by(qs: QuerySet, key: str | None, amount: str = "amount", on: str = "issue_date") -> dict:
    """`base_total` per value of `key` (a field or annotation of `qs`; None: one total under None),
    from the same one scan: {value: Σ in base}, a value without documents absent."""
    keys = [key] if key else []
    frame = _with_rates(_frame(qs.order_by().values(*keys, on, "currency").annotate(cents=_cents_sum(amount))
                               .values_list(*keys, on, "currency", "cents"), ["key", "on", "currency", "cents"]
                               if key else ["on", "currency", "cents"]))
    check_rates(frame)
    totals: dict = {}
    values = frame["key"] if key else [None] * len(frame)
    for value, rate, cents in zip(values, frame["rate"], frame["cents"], strict=True):
        totals[value] = totals.get(value, ZERO) + rate * Decimal(int(cents)).scaleb(-2)
    return totals


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame of per-day-and-currency sums (`on`, `currency`) with each group's `rate` (`rates_on`):
    the rate looked up once per group after the database has added up, not once per document."""
    frame["rate"] = _rates_at(frame, "on")
    return frame


def credit_sales_daily(start: date, end: date, scope: Scope = BOOK) -> pd.DataFrame:
    """Credit sales per day of start..end: invoices issued (positive) minus credit notes issued, in
    base. One query and one for the rates: the database adds up each day's documents per currency
    (a GROUP BY, a few hundred rows instead of every invoice of the window); each group is converted
    at its day's rate here, exactly (Σ rate × amount = rate × Σ amount, and every document of a day and currency
    has the same rate). Inside `reads_shared`, a span within one already read is taken from it (the
    DSO page's month-to-date figures from its year of history: the year's sales are read once)."""
    shared = _shared.get()
    if shared is None:
        return _credit_sales_read(start, end, scope)
    kept = shared.get(("credit_sales", scope))
    if kept is None:
        first, last, frame = start, end, _credit_sales_read(start, end, scope)
    else:  # only the days not read yet (none, or the days since the last month-end, say)
        first, last, frame = kept
        parts = [frame]
        if start < first:
            parts.append(_credit_sales_read(start, first - timedelta(days=1), scope))
        if end > last:
            parts.append(_credit_sales_read(last + timedelta(days=1), end, scope))
        if len(parts) > 1:
            parts = [part for part in parts if not part.empty] or [frame]
            frame = pd.concat(parts).sort_values("on").reset_index(drop=True)
        first, last = min(first, start), max(last, end)
    shared[("credit_sales", scope)] = (first, last, frame)
    return frame[(frame["on"] >= start) & (frame["on"] <= end)].reset_index(drop=True)


def _credit_sales_read(start: date, end: date, scope: Scope) -> pd.DataFrame:
    def per_day(qs: QuerySet, sign: int) -> QuerySet:
        return (scope.filter(qs).order_by().values("issue_date", "currency").annotate(cents=_cents_sum())
                .annotate(sign=Value(sign)).values_list("issue_date", "currency", "cents", "sign"))

    invoices = per_day(Invoice.objects.filter(issue_date__range=(start, end)).exclude(status=Invoice.Status.VOID), 1)
    credits = per_day(CreditNote.objects.filter(issue_date__range=(start, end)), -1)
    frame = _frame(invoices.union(credits, all=True), ["on", "currency", "cents", "sign"])
    if frame.empty:
        return pd.DataFrame({"on": [], "base": []})
    check_rates(_with_rates(frame))
    daily: dict[date, Decimal] = {}
    for on, rate, cents, sign in zip(frame["on"], frame["rate"], frame["cents"], frame["sign"], strict=True):
        daily[on] = daily.get(on, ZERO) + rate * Decimal(int(cents) * int(sign)).scaleb(-2)
    days = sorted(daily)
    return pd.DataFrame({"on": days, "base": pd.Series([daily[d] for d in days], dtype=object)})


def payments_received(start: date, end: date, scope: Scope = BOOK) -> pd.DataFrame:
    """Cash received in start..end, applied or not, in base; reversed (bounced) payments left out:
    one row per day, collector and currency, `amount` its sum and `base` that sum at the day's rate.
    The database adds up (a GROUP BY, a few thousand rows instead of every payment of the window),
    each group converted here exactly (every payment of a day and currency has the same rate, so
    Σ rate × amount = rate × Σ amount). One query and one for the rates."""
    qs = (
        scope.filter(Payment.objects.filter(received_date__range=(start, end), status=Payment.Status.POSTED))
        .order_by()
        .values("received_date", "customer__portfolio__collector__username", "currency")
        .annotate(cents=_cents_sum())
        .values_list("received_date", "customer__portfolio__collector__username", "currency", "cents")
    )
    frame = _frame(qs, ["on", "collector", "currency", "cents"])
    frame["amount"] = pd.Series([Decimal(int(c)).scaleb(-2) for c in frame["cents"]], index=frame.index,
                                dtype=object)
    frame = _with_rates(frame.drop(columns=["cents"])) if not frame.empty else frame.drop(columns=["cents"])
    frame["base"] = to_base(frame)
    frame["collector"] = frame["collector"].fillna("(unassigned)")
    return frame


def _left_at(documents: QuerySet, fk: str, as_of: date, on: str) -> QuerySet:
    """(currency, stored unapplied amount, applications dated after `as_of`, rate) of the documents
    with something left at the end of `as_of`: the stored amount + what was applied later
    (`check_ledger` holds the stored amount to amount − applications). Two plain parts, something
    left now, or nothing left now but applied after `as_of` (usually none): a 330,000-payment book
    has a few thousand of the first, where a subquery per payment over every application cost 0.75 s."""
    applied_later = Application.objects.filter(applied_on__gt=as_of).order_by().values(fk)

    def columns(qs: QuerySet) -> QuerySet:
        return (qs.annotate(later=_applied(fk, as_of, after=True), rate=rate_expression(on=on),
                            sign=Value(1)).order_by().values_list("currency", "unapplied_amount", "later", "rate",
                                                                  "sign"))

    return columns(documents.exclude(unapplied_amount=0)).union(
        columns(documents.filter(unapplied_amount=0, pk__in=applied_later)), all=True)


def unapplied_at(as_of: date, scope: Scope = BOOK) -> dict:
    """Unapplied cash and unapplied credits at the end of `as_of`, in base: shown beside AR, never netted.
    Two queries (payments, credit notes), each returning only the documents with something left."""
    cash = _left_at(scope.filter(Payment.objects.filter(received_date__lte=as_of, status=Payment.Status.POSTED)),
                    "payment", as_of, "received_date")
    # A payment reversed (bounced) after `as_of` still had its amount − what was applied by then; a
    # reversed payment's stored unapplied amount is 0, so it is computed from its applications.
    bounced_later = (
        scope.filter(Payment.objects.filter(received_date__lte=as_of, status=Payment.Status.REVERSED,
                                            reversed_at__date__gt=as_of))
        .annotate(applied=_applied("payment", as_of),
                  rate=rate_expression(on="received_date"), sign=Value(-1))
        .order_by().values_list("currency", "amount", "applied", "rate", "sign")
    )
    credits = _left_at(scope.filter(CreditNote.objects.filter(issue_date__lte=as_of)), "credit_note", as_of,
                       "issue_date")
    out = {}
    for key, qs in (("unapplied_cash", cash.union(bounced_later, all=True)), ("unapplied_credits", credits)):
        frame = _frame(qs, ["currency", "stored", "moved", "rate", "sign"])
        # left = stored + applied later; for a payment bounced later, amount − applied by then
        frame["left"] = pd.Series([a + m * int(sign) for a, m, sign in zip(frame["stored"], frame["moved"],
                                                                           frame["sign"], strict=True)],
                                  index=frame.index, dtype=object)
        frame = frame[frame["left"] != ZERO]
        out[key] = sum(to_base(frame, "left"), ZERO)
    return out


def closed_invoices(start: date, end: date) -> pd.DataFrame:
    """Invoices of the whole book closed (brought to zero) in start..end: amount in whole cents (int64,
    computed by the database: exact, no Decimal per row) and the rate to base, for the caller to
    convert per group rather than per row. One query and one for the rates."""
    qs = (
        Invoice.objects.filter(closed_on__range=(start, end), status=Invoice.Status.PAID)
        .annotate(cents=whole_cents())
        .order_by()
        .values_list("customer_id", "currency", "cents", "issue_date", "due_date", "closed_on")
    )
    frame = _frame(qs, ["customer_id", "currency", "cents", "issue_date", "due_date", "closed_on"])
    frame.insert(3, "rate", _rates_at(frame, "issue_date"))
    check_rates(frame)
    frame["cents"] = frame["cents"].astype("int64")
    # Days late and days to pay as int64, once for the whole span (a forecast against actual filters
    # this frame for six dates).
    frame["days_late"] = days_between(frame["closed_on"], frame["due_date"])
    frame["days_to_pay"] = days_between(frame["closed_on"], frame["issue_date"])
    return frame


class DaysBetween(Func):
    """Whole days `later` − `earlier` of two date columns, as an integer, in the database."""

    arity = 2
    arg_joiner = " - "
    template = "(%(expressions)s)"  # PostgreSQL: date − date is the number of days
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(julianday(%(expressions)s) AS INTEGER)",
                           arg_joiner=") - julianday(", **extra)


def rate_day() -> Case:
    """The day a document's rate is looked up at, as a group key: none for the base currency (its
    rate is 1 whatever the day), the issue day otherwise. Grouping by it instead of by the rate
    spares a rate subquery per document; `rates_on` finds each group's rate after."""
    return Case(When(currency=settings.BASE_CURRENCY, then=Value(None)), default=F("issue_date"),
                output_field=DateField())


CLOSED_GROUP_COLUMNS = ["customer_id", "currency", "on", "cents", "late", "pay", "invoices"]
CLOSED_LATE_COLUMNS = ["late_invoices", "late_cents", "late_weighted"]  # closed after the due day only


def closed_groups_query(start: date, end: date, customers: list[int] | None = None, *,
                        late: bool = False) -> QuerySet:
    """The invoices closed (paid) in start..end, added up by the database per customer, currency and
    rate day (`rate_day`): Σ cents, Σ cents × days late, Σ cents × days to pay, and how many, exact
    integer sums (CLOSED_GROUP_COLUMNS); `customers`: only theirs. `late`: also how many, Σ cents
    and Σ cents × days late of those closed after their due day (CLOSED_LATE_COLUMNS), conditional
    sums of the same scan."""
    whole = BigIntegerField()
    cents = whole_cents()
    days_late = DaysBetween("closed_on", "due_date")

    def weighted(days: DaysBetween) -> ExpressionWrapper:
        return ExpressionWrapper(cents * days, output_field=whole)

    def if_late(value) -> Sum:
        return Sum(Case(When(closed_on__gt=F("due_date"), then=value), default=Value(0), output_field=whole))

    qs = Invoice.objects.filter(closed_on__range=(start, end), status=Invoice.Status.PAID)
    if customers is not None:
        qs = qs.filter(customer_id__in=customers)
    extra = dict(zip(CLOSED_LATE_COLUMNS, (if_late(Value(1)), if_late(cents), if_late(weighted(days_late))),
                     strict=True)) if late else {}
    return (qs.annotate(on=rate_day()).order_by().values("customer_id", "currency", "on")
            .annotate(cents=Sum(cents), late=Sum(weighted(days_late)),
                      pay=Sum(weighted(DaysBetween("closed_on", "issue_date"))), invoices=Count("pk"), **extra)
            .values_list(*CLOSED_GROUP_COLUMNS, *extra))


def closed_groups(start: date, end: date, customers: list[int] | None = None) -> pd.DataFrame:
    """`closed_groups_query` read into a frame (CLOSED_GROUP_COLUMNS, sums as the driver gives them)."""
    return _big_frame(closed_groups_query(start, end, customers), CLOSED_GROUP_COLUMNS)


def closed_sums(start: date, end: date) -> pd.DataFrame:
    """The invoices of the whole book closed in start..end, added up by the database per customer
    and rate to base: Σ cents, Σ cents × days late, Σ cents × days to pay, and how many (exact
    integer sums), for the payment behaviour of every customer without a row per invoice. One query
    and one for the rates (`closed_sums_of`)."""
    return closed_sums_of(closed_groups(start, end))


def closed_sums_of(groups: pd.DataFrame) -> pd.DataFrame:
    """Groups of closed invoices per customer, currency and rate day (CLOSED_GROUP_COLUMNS; the same
    key may come more than once, from several reads) added up per customer, currency and rate: the
    database groups base-currency invoices per customer and the others per customer, currency and
    issue day (no rate lookup per invoice); each group's rate is found after (`rates_on`, the rule of
    `rate_expression`), and the groups sharing a rate are added up. One query, for the rates."""
    columns = ["cents", "late", "pay", "invoices"]
    if groups.empty:
        return groups.assign(rate=pd.Series(dtype=object)).drop(columns="on")[
            ["customer_id", "currency", "rate", *columns]]
    frame = groups.reset_index(drop=True)
    check_rates(_with_rates(frame))
    for column in columns:  # exact integers (a sum of bigints comes back as numeric)
        ints = frame[column].map(int)
        # int64 when no sum can overflow it; else Python integers (object), slower but exact
        fits = float(ints.abs().astype(float).sum()) < 2 ** 62  # in floats: an int64 sum could itself wrap
        frame[column] = ints.astype("int64") if fits else ints.astype(object)
    return (frame.groupby(["customer_id", "currency", "rate"], sort=False)[columns].sum().reset_index()
            [["customer_id", "currency", "rate", *columns]])


def days_between(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    """Whole days later − earlier for two columns of dates, as int64 (vectorised)."""
    return date_ordinals(later) - date_ordinals(earlier)


def date_ordinals(dates: pd.Series) -> np.ndarray:
    """A column of dates as their proleptic ordinals (`date.toordinal`), int64."""
    return np.fromiter(map(date.toordinal, dates.tolist()), dtype="int64", count=len(dates))


def ordinal_dates(ordinals: np.ndarray) -> np.ndarray:
    """The dates of an array of ordinals, as an object array of `date`: each distinct day made once."""
    days, positions = np.unique(ordinals, return_inverse=True)
    made = np.empty(len(days), dtype=object)
    made[:] = [date.fromordinal(day) for day in days.tolist()]
    return made[positions.reshape(-1)]
