"""Root causes: why invoices are disputed and paid late, by root cause and by customer, month by month.

A dispute counts in the month it was opened, with its amount in base currency at the rate of that date.
A late payment is an invoice closed (brought to zero) after its due date, counted in the month it
closed; its root cause is the root cause of the first dispute raised on it, or "No dispute recorded".
Days late = closing date − due date (METRICS.md). The disputes are one query; the late payments are added
up by the database: per month (`late_payment_groups`), per customer for the ranking (`late_totals`) and
again per customer for the listed ones only; the disputed late invoices are read once (`late_disputed`).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

import pandas as pd
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Count, ExpressionWrapper, F, QuerySet, Sum, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Round, RowNumber

from core.money import ZERO
from ledger.fx import check_rates, rate_expression, rates_on, to_base
from ledger.models import Customer, Invoice
from reporting.cache import kept
from reporting.frames import DaysBetween, driver_rows, rate_day
from work.models import Dispute

UNDISPUTED = "undisputed"
CAUSES = {**dict(Dispute.RootCause.choices), UNDISPUTED: "No dispute recorded"}
TOP_CUSTOMERS = 20


def months_back(as_of: date, months: int = 12) -> date:
    """The first day of the month `months − 1` months before `as_of`'s month."""
    index = as_of.year * 12 + as_of.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


@lru_cache(maxsize=4096)  # a year of late payments has hundreds of thousands of rows but ~365 dates
def _month(day: date) -> str:
    return day.strftime("%Y-%m")


def dispute_frame(start: date, end: date, customers=None) -> pd.DataFrame:
    """Disputes opened in start..end: month, root cause, customer, amount in base, days to resolve."""
    qs = Dispute.objects.filter(opened_on__range=(start, end))
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    rows = (
        qs.annotate(rate=rate_expression(currency="customer__currency", on="opened_on"),
                    currency=F("customer__currency"))
        .order_by()
        .values_list("opened_on", "resolved_on", "root_cause", "customer_id", "customer__name", "currency",
                     "amount", "rate")
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=["opened_on", "resolved_on", "root_cause", "customer_id", "customer", "currency",
                             "amount", "rate"])
    frame["base"] = to_base(frame)
    frame["month"] = frame["opened_on"].map(_month) if not frame.empty else pd.Series([], dtype=object)
    frame["days"] = pd.Series(
        [(r - o).days if r else None for o, r in zip(frame["opened_on"], frame["resolved_on"], strict=True)],
        index=frame.index, dtype="float64")
    return frame


def _late_invoices(start: date, end: date, customers=None) -> QuerySet:
    qs = Invoice.objects.filter(status=Invoice.Status.PAID, closed_on__range=(start, end), closed_on__gt=F("due_date"))
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    return qs.annotate(on=rate_day()).order_by()  # each group's rate is looked up after the sums


def _cents() -> Cast:
    return Cast(Round(F("amount") * 100), BigIntegerField())


def _weighted() -> ExpressionWrapper:
    return ExpressionWrapper(_cents() * DaysBetween("closed_on", "due_date"), output_field=BigIntegerField())


DISPUTED_COLUMNS = ["closed_on", "customer_id", "customer_name", "currency", "on", "cents", "weighted"]


def first_dispute_causes() -> dict[int, str]:
    """{invoice id: the root cause of its first dispute (opened first, then created first)} for every
    disputed invoice: the links numbered per invoice by a window, the first kept. One query over the
    disputes (9,000 on a large book), none of the invoices."""
    first = Window(RowNumber(), partition_by=F("invoice_id"),
                   order_by=[F("dispute__opened_on").asc(), F("dispute_id").asc()])
    links = Dispute.invoices.through.objects.annotate(number=first).filter(number=1)
    return dict(links.values_list("invoice_id", "dispute__root_cause"))


def _among(qs: QuerySet, ids: list[int]) -> QuerySet:
    """`qs` (invoices) narrowed to `ids`; on PostgreSQL one array parameter (`= ANY`), which the
    planner reads through the primary key, where an `IN` of thousands of values costs Django more
    to build than the query takes."""
    if connection.vendor != "postgresql":
        return qs.filter(pk__in=ids)
    column = f"{connection.ops.quote_name(Invoice._meta.db_table)}.{connection.ops.quote_name('id')}"
    return qs.filter(RawSQL(f"{column} = ANY(%s)", [ids], output_field=BooleanField()))


def late_disputed(start: date, end: date, customers=None) -> list[tuple]:
    """Each invoice closed late in start..end that was disputed, once, with both group keys (the
    day closed, the customer) and the root cause of its first dispute last: a few thousand of the
    350,000 late invoices of a large book, read by their ids (the late invoices scanned for a join
    to the disputes cost 0.3 s), for both groupings of `late_payment_groups`. Two queries."""
    causes = first_dispute_causes()
    if not causes:
        return []
    rows = (_among(_late_invoices(start, end, customers), list(causes))
            .annotate(customer_name=F("customer__name"), cents=_cents(), weighted=_weighted())
            .values_list("pk", *DISPUTED_COLUMNS))
    return [(*row, causes[pk]) for pk, *row in rows]


LATE_GROUP_COLUMNS = ["root_cause", "invoices", "base", "weighted"]
KEYS = {"month": ["closed_on"], "customer": ["customer_id", "customer_name"]}


def late_payment_groups(start: date, end: date, customers=None, *, by: str = "month", of=None,
                        disputed: list[tuple] | None = None) -> pd.DataFrame:
    """The invoices closed late in start..end added up by the database per `by` ("month" closed,
    or "customer": customer_id and customer) and root cause: invoices, amount in base and Σ base ×
    days late. The database sums whole cents per currency and rate day, and each sum is converted
    once (Σ rate × amount = rate × Σ amount, exactly): a year of late payments is 350,000 invoices
    on a large book, a few hundred groups per month here. `of`: only these customers' invoices;
    `disputed`: `late_disputed` of the same window, if read already. Two queries and one for the rates."""
    groups = _late_groups(start, end, customers, by, of,
                          late_disputed(start, end, customers) if disputed is None else disputed)
    rates = _rates((key[-3], key[-2]) for key, (invoices, _, _) in groups.items() if invoices)
    summed: dict[tuple, list] = {}  # (month or customer, root cause) → invoices, Σ base, Σ base × days late
    for (*key, currency, on, cause), (invoices, total, days) in groups.items():
        if invoices:
            rate = rates[(currency, on)]
            row = summed.setdefault((*key, cause), [0, ZERO, ZERO])
            row[0] += invoices
            row[1] += (Decimal(total) * rate).scaleb(-2)
            row[2] += (Decimal(days) * rate).scaleb(-2)
    keys = {"month": ["month"], "customer": ["customer_id", "customer"]}[by]
    return pd.DataFrame.from_records([(*key, *figures) for key, figures in sorted(summed.items())],
                                     columns=[*keys, *LATE_GROUP_COLUMNS])


def _late_groups(start: date, end: date, customers, by: str, of, disputed: list[tuple]) -> dict[tuple, list[int]]:
    """{(month or customer id and name, currency, rate day, root cause): [invoices, Σ cents, Σ cents ×
    days late]}, exact integers. The database groups by the day closed, not the month: PostgreSQL
    truncates a date to its month through a time zone (0.15–0.25 s of 350,000 invoices), and the days
    closed and rate days of a year are a few thousand groups."""
    keys = KEYS[by]
    late = _late_invoices(start, end, customers)
    if of is not None:
        late = late.filter(customer_id__in=of)
    if by == "customer":
        late = late.annotate(customer_name=F("customer__name"))
    # Every late invoice counted as undisputed, per group; then the few with a dispute move to the
    # root cause of their first dispute. The root cause of every invoice as a group key would cost
    # a subquery (or a join to its disputes) per invoice.
    groups: dict[tuple, list[int]] = {}
    for *key, currency, on, invoices, total, days in late.values(*keys, "currency", "on").annotate(
            invoices=Count("pk"), cents=Sum(_cents()), weighted=Sum(_weighted())).values_list(
            *keys, "currency", "on", "invoices", "cents", "weighted"):
        group = groups.setdefault((*_key(by, key), currency, on, UNDISPUTED), [0, 0, 0])
        for index, value in enumerate((invoices, total, days)):
            group[index] += int(value)
    picked = [DISPUTED_COLUMNS.index(column) for column in (*keys, "currency", "on")]
    customer, cents, weighted = (DISPUTED_COLUMNS.index(column) for column in ("customer_id", "cents", "weighted"))
    wanted = None if of is None else set(of)
    for row in disputed:
        if wanted is not None and row[customer] not in wanted:
            continue
        *key, currency, on = (row[index] for index in picked)
        key = (*_key(by, key), currency, on)
        undisputed, moved = groups[(*key, UNDISPUTED)], groups.setdefault((*key, row[-1]), [0, 0, 0])
        for index, value in enumerate((1, int(row[cents]), int(row[weighted]))):
            undisputed[index] -= value
            moved[index] += value
    return groups


def _key(by: str, key: list) -> tuple:
    return (_month(key[0]),) if by == "month" else tuple(key)


def _rates(pairs) -> dict:
    """`rates_on`, MissingFxRate for a currency without any rate."""
    rates = rates_on(pairs)
    missing = sorted({currency for (currency, _), rate in rates.items() if rate is None})
    check_rates(pd.DataFrame({"currency": missing, "rate": [None] * len(missing)}))
    return rates


def late_totals(start: date, end: date, customers=None) -> dict[int, Decimal]:
    """{customer id: Σ base} of the invoices closed late in start..end, whatever their root cause:
    what the customers are ranked by. One query (Σ cents per customer, currency and rate day, read
    as the driver gives it: ≈ 50,000 groups on a large book, no names) and one for the rates."""
    qs = (_late_invoices(start, end, customers).values("customer_id", "currency", "on")
          .annotate(cents=Sum(_cents())).values_list("customer_id", "currency", "on", "cents"))
    rows = driver_rows(qs)
    rates = _rates((currency, on) for _, currency, on, _ in rows)
    totals: dict[int, Decimal] = {}
    for customer_id, currency, on, cents in rows:
        totals[customer_id] = totals.get(customer_id, ZERO) + Decimal(cents) * rates[(currency, on)]
    return {customer_id: total.scaleb(-2) for customer_id, total in totals.items()}


def _money(series: pd.Series) -> Decimal:
    return sum(series, ZERO)


@dataclass
class RootCauseReport:
    start: date
    end: date
    months: list[str]
    by_cause: list[dict]  # one row per root cause: disputes (count, amount, cycle), late payments
    disputes_by_month: list[dict]  # month, cause, count, amount
    late_by_month: list[dict]
    by_customer: list[dict]  # top customers by disputed + late amount

    def chart(self, key: str = "disputes_by_month", measure: str = "count") -> dict:
        """{cause label: [value per month]} for a stacked chart."""
        rows = getattr(self, key)
        causes = sorted({r["root_cause"] for r in rows})
        series = {}
        for cause in causes:
            values = {r["month"]: r[measure] for r in rows if r["root_cause"] == cause}
            series[CAUSES.get(cause, cause)] = [float(values.get(m, 0)) for m in self.months]
        return series


def _by_month(frame: pd.DataFrame) -> list[dict]:
    if frame.empty:
        return []
    return [
        {"month": month, "root_cause": cause, "root_cause_label": CAUSES.get(cause, cause), "count": len(group),
         "amount": _money(group["base"])}
        for (month, cause), group in frame.groupby(["month", "root_cause"])
    ]


def _top_customers(disputes: pd.DataFrame, late: dict[int, Decimal], top: int) -> set[int]:
    """The `top` customers by disputed + late amount (ties by name), the only ones the report lists:
    one pass over the disputes and the customers' late totals (`late_totals`); the names of the
    customers tied at the last place or above, read if no dispute gave them (one query)."""
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    names: dict[int, str] = {}
    for customer_id, name, base in zip(disputes["customer_id"], disputes["customer"], disputes["base"], strict=True):
        totals[int(customer_id)] += base
        names[int(customer_id)] = name
    for customer_id, base in late.items():
        totals[customer_id] += base
    last = sorted(totals.values(), reverse=True)[top - 1] if len(totals) > top else None
    ranked = [customer_id for customer_id, total in totals.items() if last is None or total >= last]
    names.update(Customer.objects.filter(pk__in=[c for c in ranked if c not in names]).values_list("pk", "name"))
    return set(sorted(ranked, key=lambda customer_id: (-totals[customer_id], names[customer_id]))[:top])


def _late_figures(groups: pd.DataFrame) -> dict:
    """Invoices, amount and weighted average days late (METRICS.md: Σ(amount × days late) ÷ Σ amount)
    of late-payment groups."""
    amount = _money(groups["base"])
    return {"late_invoices": int(groups["invoices"].sum()), "late_amount": amount,
            "avg_days_late": _money(groups["weighted"]) / amount if amount else None}


def _by_customer(disputes: pd.DataFrame, late: pd.DataFrame) -> list[dict]:
    """Disputed and late amounts per customer, with the root cause that comes up most often."""
    rows: dict[int, dict] = {}

    def row(customer_id, name) -> dict:
        return rows.setdefault(int(customer_id), {
            "customer_id": int(customer_id), "customer": name, "disputes": 0, "disputed_amount": ZERO,
            "late_invoices": 0, "late_amount": ZERO, "avg_days_late": None, "causes": {},
        })

    for (customer_id, name), group in disputes.groupby(["customer_id", "customer"]):
        entry = row(customer_id, name)
        entry.update(disputes=len(group), disputed_amount=_money(group["base"]))
        for cause, n in group["root_cause"].value_counts().items():
            entry["causes"][cause] = entry["causes"].get(cause, 0) + int(n)
    for (customer_id, name), group in late.groupby(["customer_id", "customer"]):
        entry = row(customer_id, name)
        entry.update(_late_figures(group))
        for cause, n in zip(group["root_cause"], group["invoices"], strict=True):
            if cause != UNDISPUTED:
                entry["causes"][cause] = entry["causes"].get(cause, 0) + int(n)
    for entry in rows.values():
        causes = entry.pop("causes")
        main = max(sorted(causes), key=lambda c: causes[c]) if causes else UNDISPUTED
        entry["main_cause"] = CAUSES.get(main, main)
    return list(rows.values())


@kept
def root_causes(*, start: date, end: date, customers=None, top: int = TOP_CUSTOMERS) -> RootCauseReport:
    disputes = dispute_frame(start, end, customers)
    disputed = late_disputed(start, end, customers)
    late = late_payment_groups(start, end, customers, by="month", disputed=disputed)
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(_month(day))
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    by_cause = []
    for cause in sorted(set(disputes["root_cause"]) | set(late["root_cause"])):
        d, lt = disputes[disputes["root_cause"] == cause], late[late["root_cause"] == cause]
        days = d["days"].dropna()
        by_cause.append({
            "root_cause": cause, "root_cause_label": CAUSES.get(cause, cause),
            "disputes": len(d), "disputed_amount": _money(d["base"]),
            "resolved": int(days.size),
            "cycle_mean": Decimal(str(days.mean())) if days.size else None,
            "cycle_median": Decimal(str(days.median())) if days.size else None,
            **_late_figures(lt),
        })
    listed = _top_customers(disputes, late_totals(start, end, customers), top)
    late_customers = late_payment_groups(start, end, customers, by="customer", of=sorted(listed), disputed=disputed)
    customers_rows = _by_customer(disputes[disputes["customer_id"].isin(listed)], late_customers)
    customers_rows.sort(key=lambda r: (-(r["disputed_amount"] + r["late_amount"]), r["customer"]))
    late_by_month = [
        {"month": month, "root_cause": cause, "root_cause_label": CAUSES.get(cause, cause), "count": int(invoices),
         "amount": amount}
        for month, cause, invoices, amount in zip(late["month"], late["root_cause"], late["invoices"], late["base"],
                                                  strict=True)
    ]
    return RootCauseReport(start=start, end=end, months=months, by_cause=by_cause,
                           disputes_by_month=_by_month(disputes), late_by_month=late_by_month,
                           by_customer=customers_rows[:top])
