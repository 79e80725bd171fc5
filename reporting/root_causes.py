"""Root causes: why invoices are disputed and paid late, by root cause and by customer, month by month.

A dispute counts in the month it was opened, with its amount in base currency at the rate of that date.
A late payment is an invoice closed (brought to zero) after its due date, counted in the month it
closed; its root cause is the root cause of the first dispute raised on it, or "No dispute recorded".
Days late = closing date − due date (METRICS.md). Each frame is one query.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

import pandas as pd
from django.db.models import F, OuterRef, Subquery

from core.money import ZERO
from ledger.fx import rate_expression, to_base
from ledger.models import Invoice
from reporting.cache import kept
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


def late_payment_frame(start: date, end: date, customers=None) -> pd.DataFrame:
    """Invoices closed late in start..end: month closed, root cause, customer, amount in base, days late."""
    first_dispute = Dispute.objects.filter(invoices=OuterRef("pk")).order_by("opened_on", "pk").values("root_cause")
    qs = Invoice.objects.filter(status=Invoice.Status.PAID, closed_on__range=(start, end), closed_on__gt=F("due_date"))
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    rows = (
        qs.annotate(rate=rate_expression(), cause=Subquery(first_dispute[:1]))
        .order_by()
        .values_list("closed_on", "due_date", "cause", "customer_id", "customer__name", "currency", "amount", "rate")
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=["closed_on", "due_date", "root_cause", "customer_id", "customer", "currency", "amount",
                             "rate"])
    frame["base"] = to_base(frame)
    frame["root_cause"] = frame["root_cause"].fillna(UNDISPUTED)
    frame["month"] = frame["closed_on"].map(_month) if not frame.empty else pd.Series([], dtype=object)
    frame["days_late"] = pd.Series([(c - d).days for c, d in zip(frame["closed_on"], frame["due_date"], strict=True)],
                                   index=frame.index, dtype="int64")
    return frame


def _money(series: pd.Series) -> Decimal:
    return sum(series, ZERO)


def _weighted_days(group: pd.DataFrame) -> Decimal | None:
    total = _money(group["base"])
    if not total:
        return None
    return sum((b * d for b, d in zip(group["base"], group["days_late"], strict=True)), ZERO) / total


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


def _top_customers(disputes: pd.DataFrame, late: pd.DataFrame, top: int) -> set[int]:
    """The `top` customers by disputed + late amount (ties by name), the only ones the report lists:
    one pass over the two frames instead of a group per customer of the book (20,000 on a large one)."""
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    names: dict[int, str] = {}
    for frame in (disputes, late):
        for customer_id, name, base in zip(frame["customer_id"], frame["customer"], frame["base"], strict=True):
            totals[int(customer_id)] += base
            names[int(customer_id)] = name
    return set(sorted(totals, key=lambda customer_id: (-totals[customer_id], names[customer_id]))[:top])


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
        entry.update(late_invoices=len(group), late_amount=_money(group["base"]), avg_days_late=_weighted_days(group))
        for cause, n in group.loc[group["root_cause"] != UNDISPUTED, "root_cause"].value_counts().items():
            entry["causes"][cause] = entry["causes"].get(cause, 0) + int(n)
    for entry in rows.values():
        causes = entry.pop("causes")
        main = max(sorted(causes), key=lambda c: causes[c]) if causes else UNDISPUTED
        entry["main_cause"] = CAUSES.get(main, main)
    return list(rows.values())


@kept
def root_causes(*, start: date, end: date, customers=None, top: int = TOP_CUSTOMERS) -> RootCauseReport:
    disputes = dispute_frame(start, end, customers)
    late = late_payment_frame(start, end, customers)
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
            "late_invoices": len(lt), "late_amount": _money(lt["base"]),
            "avg_days_late": _weighted_days(lt),
        })
    listed = _top_customers(disputes, late, top)
    customers_rows = _by_customer(disputes[disputes["customer_id"].isin(listed)],
                                  late[late["customer_id"].isin(listed)])
    customers_rows.sort(key=lambda r: (-(r["disputed_amount"] + r["late_amount"]), r["customer"]))
    return RootCauseReport(start=start, end=end, months=months, by_cause=by_cause,
                           disputes_by_month=_by_month(disputes), late_by_month=_by_month(late),
                           by_customer=customers_rows[:top])
