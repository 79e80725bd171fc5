"""Cash from invoices not yet issued, and other receipts: the part of a month's collections that open AR
cannot explain, forecast from the book's own billing and payment patterns (never mixed into open AR).

As of `D`, for the month ending `E` (D < E):

- **billing per day**: for each day of (D, E], the mean amount invoiced (base) on that weekday over the
  13 weeks before D (days with no invoice count as 0);
- **same-month share by issue day**: of what was invoiced on days 1–5, 6–10, …, 26–31 of the
  complete months of the 12 months before D, the share paid in cash within the same calendar month;
- **from invoices not yet issued** = Σ over the days of (D, E] of billing × share of its issue-day band;
- **other receipts** = the mean over the last 3 complete months of (cash received − cash applied) in the
  month: payments received and not applied in the month, less earlier cash applied in it.

The total-cash forecast is open AR's forecast + these two lines; it is compared with Collected(month).
Everything is read from rows dated on or before D.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from dateutil.relativedelta import relativedelta
from django.db.models import BigIntegerField, F, QuerySet, Sum
from django.db.models.functions import Cast, Round

from ledger.fx import check_rates, rate_expression
from ledger.models import Application, Invoice
from reporting.frames import BOOK, Scope, payments_received

BANDS = (5, 10, 15, 20, 25, 31)  # issue-day bands: 1–5, 6–10, …, 26–31
WEEKS = 13
OTHER_MONTHS = 3


def band(day: int) -> int:
    return next(i for i, high in enumerate(BANDS) if day <= high)


@dataclass
class Patterns:
    """Daily billing, same-month cash by issue day, cash applied and received per day: a span read once."""

    billed: pd.DataFrame  # on, base (float)
    same_month: pd.DataFrame  # issue_date, base (float): cash applied in the invoice's issue month
    applied: pd.DataFrame  # on, base (float): all cash applied
    received: pd.DataFrame  # on, base (float): cash received (Collected)


def _daily(qs: QuerySet, on: str, columns: list[str]) -> pd.DataFrame:
    rows = (qs.order_by().values(*columns).annotate(cents=Sum(Cast(Round(F("amount") * 100), BigIntegerField())))
            .annotate(rate=rate_expression(currency=columns[1], on=on))
            .values_list(*columns, "cents", "rate"))
    frame = pd.DataFrame.from_records(list(rows), columns=[*columns, "cents", "rate"])
    if frame.empty:
        return pd.DataFrame({"on": pd.Series(dtype=object), "base": pd.Series(dtype="float64")})
    check_rates(frame.rename(columns={columns[1]: "currency"}))
    frame["base"] = [float(Decimal(int(c)).scaleb(-2) * r) for c, r in zip(frame["cents"], frame["rate"], strict=True)]
    frame = frame.rename(columns={columns[0]: "on"})
    return pd.DataFrame(frame.groupby("on", as_index=False)["base"].sum())


def patterns(start: date, end: date, scope: Scope = BOOK) -> Patterns:
    """The patterns over start..end. Four queries."""
    invoices = scope.filter(Invoice.objects.filter(issue_date__range=(start, end)).exclude(
        status=Invoice.Status.VOID))
    billed = _daily(invoices, "issue_date", ["issue_date", "currency"])
    cash = scope.filter(Application.objects.filter(applied_on__range=(start, end), payment__isnull=False).exclude(
        invoice__status=Invoice.Status.VOID), customer="invoice__customer", currency_field="invoice__currency")
    same = cash.filter(invoice__issue_date__gte=start, applied_on__year=F("invoice__issue_date__year"),
                       applied_on__month=F("invoice__issue_date__month"))
    same_month = _daily(same, "invoice__issue_date", ["invoice__issue_date", "invoice__currency"])
    applied = _daily(cash, "invoice__issue_date", ["applied_on", "invoice__currency"])
    received_rows = payments_received(start, end, scope)
    if received_rows.empty:
        received = pd.DataFrame({"on": pd.Series(dtype=object), "base": pd.Series(dtype="float64")})
    else:
        received = pd.DataFrame({"on": received_rows["on"], "base": [float(v) for v in received_rows["base"]]})
        received = pd.DataFrame(received.groupby("on", as_index=False)["base"].sum())
    return Patterns(billed=billed, same_month=same_month, applied=applied, received=received)


def _between(frame: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    return frame[(frame["on"] >= start) & (frame["on"] <= end)] if not frame.empty else frame


@dataclass
class NotYetIssued:
    as_of: date
    horizon_end: date
    billing: float  # expected invoicing in (D, E]
    from_new_invoices: float
    other_receipts: float

    @property
    def total(self) -> float:
        return self.from_new_invoices + self.other_receipts


def not_yet_issued(found: Patterns, as_of: date, horizon_end: date) -> NotYetIssued:
    """The two lines for (as_of, horizon_end], from the patterns dated on or before `as_of` only."""
    weeks = _between(found.billed, as_of - timedelta(days=7 * WEEKS - 1), as_of)
    by_weekday = [0.0] * 7
    for on, base in zip(weeks["on"], weeks["base"], strict=True):
        by_weekday[on.weekday()] += base / WEEKS
    # Complete months of the 12 before D: their same-month cash is all dated on or before D.
    last_month_end = (as_of + timedelta(days=1)).replace(day=1) - timedelta(days=1)
    first = (last_month_end - relativedelta(months=12) + timedelta(days=1)).replace(day=1)
    billed = _between(found.billed, first, last_month_end)
    same = _between(found.same_month, first, last_month_end)
    billed_band, paid_band = [0.0] * len(BANDS), [0.0] * len(BANDS)
    for on, base in zip(billed["on"], billed["base"], strict=True):
        billed_band[band(on.day)] += base
    for on, base in zip(same["on"], same["base"], strict=True):
        paid_band[band(on.day)] += base
    share = [p / b if b > 0 else 0.0 for p, b in zip(paid_band, billed_band, strict=True)]
    billing = new_cash = 0.0
    day = as_of + timedelta(days=1)
    while day <= horizon_end:
        billing += by_weekday[day.weekday()]
        new_cash += by_weekday[day.weekday()] * share[band(day.day)]
        day += timedelta(days=1)
    others = []
    month_last = last_month_end
    for _ in range(OTHER_MONTHS):
        month_first = month_last.replace(day=1)
        received = _between(found.received, month_first, month_last)["base"].sum()
        applied = _between(found.applied, month_first, month_last)["base"].sum()
        if received or applied:
            others.append(float(received - applied))
        month_last = month_first - timedelta(days=1)
    other = sum(others) / len(others) if others else 0.0
    return NotYetIssued(as_of=as_of, horizon_end=horizon_end, billing=billing, from_new_invoices=new_cash,
                        other_receipts=other)


def not_yet_issued_to(as_of: date, horizon_end: date, scope: Scope = BOOK) -> NotYetIssued:
    """The two lines as of D to a horizon, reading the year before D."""
    start = as_of - relativedelta(months=13)
    return not_yet_issued(patterns(start, as_of, scope), as_of, horizon_end)

