"""Root causes: why invoices are disputed and paid late, by root cause and by customer, month by month.

A dispute counts in the month it was opened, with its amount in base currency at the rate of that date.
A late payment is an invoice closed (brought to zero) after its due date, counted in the month it
closed; its root cause is the root cause of the first dispute raised on it, or "No dispute recorded".
Days late = closing date − due date (METRICS.md). The disputes are one query; the late payments are
whole-cent sums (`reporting.late_sums`: the window's stored months from the month facts, the rest from
the invoices) per month (`late_payment_groups`), per customer for the ranking (`late_totals`) and again
per customer for the listed ones only; the disputed late invoices are read once (`late_disputed`).
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import pandas as pd
from django.db import connection
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from core.arrays import any_of
from core.money import ZERO
from ledger.fx import check_rates, rate_expression, rates_on, to_base
from ledger.models import Customer
from reporting.cache import kept
from reporting.frames import whole_cents
from reporting.late_sums import KEYS, group_key, late_invoices, late_sums, month_of, stored_late_rows, weighted
from reporting.paid_months import WindowParts, stored_in_base, window_parts
from work.models import Dispute

UNDISPUTED = "undisputed"
CAUSES = {**dict(Dispute.RootCause.choices), UNDISPUTED: "No dispute recorded"}
TOP_CUSTOMERS = 20


def months_back(as_of: date, months: int = 12) -> date:
    """The first day of the month `months − 1` months before `as_of`'s month."""
    index = as_of.year * 12 + as_of.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


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
    frame["month"] = frame["opened_on"].map(month_of) if not frame.empty else pd.Series([], dtype=object)
    frame["days"] = pd.Series(
        [(r - o).days if r else None for o, r in zip(frame["opened_on"], frame["resolved_on"], strict=True)],
        index=frame.index, dtype="float64")
    return frame


DISPUTED_COLUMNS = ["closed_on", "customer_id", "customer_name", "currency", "on", "cents", "weighted"]


def first_dispute_causes() -> dict[int, str]:
    """{invoice id: the root cause of its first dispute (opened first, then created first)} for every
    disputed invoice: the links numbered per invoice by a window, the first kept. One query over the
    disputes (9,000 on a large book), none of the invoices."""
    first = Window(RowNumber(), partition_by=F("invoice_id"),
                   order_by=[F("dispute__opened_on").asc(), F("dispute_id").asc()])
    links = Dispute.invoices.through.objects.annotate(number=first).filter(number=1)
    return dict(links.values_list("invoice_id", "dispute__root_cause"))


def late_disputed(start: date, end: date, customers=None) -> list[tuple]:
    """Each invoice closed late in start..end that was disputed, once, with both group keys (the
    day closed, the customer) and the root cause of its first dispute last: a few thousand of the
    350,000 late invoices of a large book, read by their ids (the late invoices scanned for a join
    to the disputes cost 0.3 s), for both groupings of `late_payment_groups`. Two queries."""
    causes = first_dispute_causes()
    if not causes:
        return []
    rows = (any_of(late_invoices(start, end, customers), "id", list(causes))
            .annotate(customer_name=F("customer__name"), cents=whole_cents(), weighted=weighted())
            .values_list("pk", *DISPUTED_COLUMNS))
    return [(*row, causes[pk]) for pk, *row in rows]


LATE_GROUP_COLUMNS = ["root_cause", "invoices", "base", "weighted"]


def late_payment_groups(start: date, end: date, customers=None, *, by: str = "month", of=None,
                        disputed: list[tuple] | None = None, window: WindowParts | None = None) -> pd.DataFrame:
    """The invoices closed late in start..end added up per `by` ("month" closed, or "customer":
    customer_id and customer) and root cause: invoices, amount in base and Σ base × days late. Whole
    cents are added up per currency and rate day (`late_sums`), and each sum is converted once
    (Σ rate × amount = rate × Σ amount, exactly): a year of late payments is 350,000 invoices on a
    large book, a few hundred groups per month here. `of`: only these customers' invoices;
    `disputed`: `late_disputed` of the same window, if read already; `window`: its `window_parts`,
    if read already. One query per part of the window and one for the rates."""
    window = window_parts(start, end) if window is None else window
    groups = _late_groups(start, end, customers, by, of,
                          late_disputed(start, end, customers) if disputed is None else disputed, window)
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


def _late_groups(start: date, end: date, customers, by: str, of, disputed: list[tuple],
                 window: WindowParts) -> dict[tuple, list[int]]:
    """{(month or customer id and name, currency, rate day, root cause): [invoices, Σ cents, Σ cents ×
    days late]}, exact integers."""
    # Every late invoice counted as undisputed, per group; then the few with a dispute move to the
    # root cause of their first dispute. The root cause of every invoice as a group key would cost
    # a subquery (or a join to its disputes) per invoice.
    groups = {(*key, UNDISPUTED): figures for key, figures in late_sums(start, end, customers, by, of, window).items()}
    keys = KEYS[by]
    picked = [DISPUTED_COLUMNS.index(column) for column in (*keys, "currency", "on")]
    customer, in_cents, by_days = (DISPUTED_COLUMNS.index(column) for column in ("customer_id", "cents", "weighted"))
    wanted = None if of is None else set(of)
    for row in disputed:
        if wanted is not None and row[customer] not in wanted:
            continue
        *key, currency, on = (row[index] for index in picked)
        key = (*group_key(by, key), currency, on)
        undisputed, moved = groups[(*key, UNDISPUTED)], groups.setdefault((*key, row[-1]), [0, 0, 0])
        for index, value in enumerate((1, int(row[in_cents]), int(row[by_days]))):
            undisputed[index] -= value
            moved[index] += value
    return groups


def _rates(pairs) -> dict:
    """`rates_on`, MissingFxRate for a currency without any rate."""
    rates = rates_on(pairs)
    missing = sorted({currency for (currency, _), rate in rates.items() if rate is None})
    check_rates(pd.DataFrame({"currency": missing, "rate": [None] * len(missing)}))
    return rates


def late_totals(start: date, end: date, customers=None, *, window: WindowParts | None = None) -> dict[int, Decimal]:
    """{customer id: Σ base} of the invoices closed late in start..end, whatever their root cause:
    what the customers are ranked by. On PostgreSQL the stored months' rows converted and added up
    per customer by the database (`stored_in_base`, exact numeric: ≈ 20,000 rows on a large book);
    the rest (elsewhere, all) as Σ cents per customer, currency and rate day (`late_sums`, no
    names) and one query for their rates."""
    window = window_parts(start, end) if window is None else window
    totals: dict[int, Decimal] = {}
    if connection.vendor == "postgresql" and window.stored:
        rows = stored_late_rows(window.stored, customers, None, besides=window.changed)
        for customer_id, total in stored_in_base(rows, ["late_cents"], [])[0]:  # twice: base currency, others
            totals[customer_id] = totals.get(customer_id, ZERO) + total
        window = replace(window, stored=[])  # the rest from the invoices
    groups = late_sums(start, end, customers, "ranking", None, window, ("cents",))
    rates = _rates(key[1:] for key in groups)
    for (customer_id, currency, on), (late_cents,) in groups.items():
        totals[customer_id] = totals.get(customer_id, ZERO) + Decimal(late_cents) * rates[(currency, on)]
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
    window = window_parts(start, end)
    late = late_payment_groups(start, end, customers, by="month", disputed=disputed, window=window)
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(month_of(day))
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
    listed = _top_customers(disputes, late_totals(start, end, customers, window=window), top)
    late_customers = late_payment_groups(start, end, customers, by="customer", of=sorted(listed), disputed=disputed,
                                         window=window)
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
