"""The DSO family (standard, count-back, best possible, average days delinquent) and CEI, as METRICS.md
defines them. Each figure is a Decimal, unrounded; pages round to 2 decimals for display."""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

from core.money import ZERO
from reporting.aging import HUNDRED, aging, month_ends, percent
from reporting.cache import kept
from reporting.frames import Scope, credit_sales_daily, first_issue_date
from reporting.trends import ar_series

COUNTBACK_MONTHS = 24


def _scope(collector=None, segment=None, currency=None) -> Scope:
    return Scope(collector=collector, segment=segment, currency=currency)


def sales_between(daily: pd.DataFrame, start: date, end: date) -> Decimal:
    if daily.empty:
        return ZERO
    mask = (daily["on"] >= start) & (daily["on"] <= end)
    return sum(daily.loc[mask, "base"], ZERO)


def credit_sales(start: date, end: date, collector=None, segment=None, currency=None) -> Decimal:
    """Invoices issued in start..end (inclusive) minus credit notes issued in start..end, in base."""
    return sales_between(credit_sales_daily(start, end, _scope(collector, segment, currency)), start, end)


@dataclass
class DsoFigures:
    as_of: date
    window_days: int
    ar: Decimal
    current_ar: Decimal
    credit_sales: Decimal
    dso: Decimal | None
    bpdso: Decimal | None
    add: Decimal | None
    pct_current: Decimal | None

    def as_dict(self) -> dict:
        return asdict(self)


def dso_of(as_of: date, ar: Decimal, current_ar: Decimal, sales: Decimal, window_days: int = 90) -> DsoFigures:
    dso = ar / sales * window_days if sales else None
    bpdso = current_ar / sales * window_days if sales else None
    return DsoFigures(
        as_of=as_of, window_days=window_days, ar=ar, current_ar=current_ar, credit_sales=sales, dso=dso, bpdso=bpdso,
        add=dso - bpdso if sales else None, pct_current=percent(current_ar, ar),
    )


@kept
def dso(as_of: date, window_days: int = 90, collector=None, segment=None, currency=None) -> DsoFigures:
    """DSO = AR(D) ÷ credit sales(D−window+1..D) × window; BPDSO the same with current AR; ADD = DSO − BPDSO."""
    report = aging(as_of=as_of, collector=collector, segment=segment, currency=currency, with_unapplied=False)
    start = as_of - timedelta(days=window_days - 1)
    sales = credit_sales(start, as_of, collector, segment, currency)
    return dso_of(as_of, report.total, report.current, sales, window_days)


@dataclass
class Countback:
    as_of: date
    ar: Decimal
    days: Decimal | None
    over_24_months: bool = False
    periods: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def countback_of(as_of: date, ar: Decimal, daily: pd.DataFrame) -> Countback:
    """Walk back from D's month (to D) through previous full months, consuming each period's credit
    sales until the AR is exhausted; the last period contributes remainder ÷ its sales × its days."""
    remaining, days, periods = ar, Decimal(0), []
    start, end = as_of.replace(day=1), as_of
    for _ in range(COUNTBACK_MONTHS):
        period_days = (end - start).days + 1
        sales = sales_between(daily, start, end)
        if remaining > sales:
            remaining -= sales
            days += period_days
            periods.append({"start": start, "end": end, "days": period_days, "sales": sales, "used": period_days})
        else:
            used = remaining / sales * period_days if remaining else Decimal(0)
            periods.append({"start": start, "end": end, "days": period_days, "sales": sales, "used": used})
            return Countback(as_of=as_of, ar=ar, days=days + used, periods=periods)
        end = start - timedelta(days=1)
        start = end.replace(day=1)
    return Countback(as_of=as_of, ar=ar, days=None, over_24_months=True, periods=periods)


def countback_start(as_of: date) -> date:
    first = as_of.replace(day=1)
    for _ in range(COUNTBACK_MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def dso_countback(as_of: date, collector=None, segment=None, currency=None) -> Countback:
    """DSO by the count-back method (see METRICS.md); `days` is None when 24 months are not enough."""
    scope = _scope(collector, segment, currency)
    ar = aging(as_of=as_of, collector=collector, segment=segment, currency=currency, with_unapplied=False).total
    return countback_of(as_of, ar, credit_sales_daily(countback_start(as_of), as_of, scope))


@dataclass
class CeiFigures:
    start: date
    end: date
    months: int
    beginning_ar: Decimal
    credit_sales: Decimal
    ending_ar: Decimal
    ending_current: Decimal
    cei: Decimal | None

    def as_dict(self) -> dict:
        return asdict(self)


def months_in(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def cei_of(start: date, end: date, beginning: Decimal, sales: Decimal, ending: Decimal, ending_current: Decimal):
    n = months_in(start, end)
    collectible = beginning + sales / n
    denominator = collectible - ending_current
    value = (collectible - ending) / denominator * HUNDRED if denominator else None
    return CeiFigures(start=start, end=end, months=n, beginning_ar=beginning, credit_sales=sales, ending_ar=ending,
                      ending_current=ending_current, cei=value)


@kept
def cei(start: date, end: date, collector=None, segment=None, currency=None) -> CeiFigures:
    """CEI (CRF) for start..end spanning N calendar months: (beginning AR + sales ÷ N − ending AR) ÷
    (beginning AR + sales ÷ N − ending current AR) × 100."""
    scope = _scope(collector, segment, currency)
    before = start - timedelta(days=1)
    series = ar_series([before, end], scope)
    sales = credit_sales(start, end, collector, segment, currency)
    return cei_of(start, end, series[before]["total"], sales, series[end]["total"], series[end]["buckets"]["current"])


def quarter_of(day: date) -> tuple[date, date]:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = day.replace(month=first_month, day=1)
    end = (start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    return start, end


@kept
def dso_family(as_of: date, window_days: int = 90, collector=None, segment=None, currency=None) -> dict:
    """DSO, BPDSO, ADD, % current, count-back and CEI month to date at D, sharing one AR computation
    and one credit-sales query: {"figures", "countback", "cei"}."""
    scope = _scope(collector, segment, currency)
    month_start = as_of.replace(day=1)
    before = month_start - timedelta(days=1)
    series = ar_series([before, as_of], scope)
    ar, current = series[as_of]["total"], series[as_of]["buckets"]["current"]
    daily = credit_sales_daily(min(countback_start(as_of), as_of - timedelta(days=window_days - 1)), as_of, scope)
    window_sales = sales_between(daily, as_of - timedelta(days=window_days - 1), as_of)
    return {
        "figures": dso_of(as_of, ar, current, window_sales, window_days),
        "countback": countback_of(as_of, ar, daily),
        "cei": cei_of(month_start, as_of, series[before]["total"], sales_between(daily, month_start, as_of), ar,
                      current),
    }


def enough_history(start: date, first: date | None) -> bool:
    """A period whose window (DSO's 90 days, a CEI month or quarter) starts before the first invoice
    measures the book's start-up, not its collection (a quarterly CEI of −97): it is flagged, and left
    out of the averages."""
    return first is not None and start >= first


def _mean(values) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) / len(present) if present else None


def history_averages(monthly: list[dict], quarterly: list[dict]) -> dict:
    """Means over the periods with enough history only (None when no period has)."""
    full = [m for m in monthly if m["enough_history"]]
    return {name: _mean(m[name] for m in full) for name in ("dso", "dso_countback", "bpdso", "add", "cei")} | {
        "quarterly_cei": _mean(q["cei"] for q in quarterly if q["enough_history"]),
        "months": len(full), "quarters": sum(1 for q in quarterly if q["enough_history"])}


@kept
def dso_history(*, as_of: date, months: int = 12, window_days: int = 90, collector=None, segment=None,
                currency=None) -> dict:
    """Month-end DSO, BPDSO, ADD, % current, count-back DSO and monthly CEI for the last `months`
    month-ends, plus quarterly CEI for the quarters that ended in that span, each flagged
    `enough_history` (see `enough_history`), and their `averages` over the periods that have it.
    One credit-sales query and one AR query per month-end (or one snapshot query)."""
    scope = _scope(collector, segment, currency)
    first = first_issue_date(scope)
    ends = month_ends(as_of, months)
    dates = [ends[0].replace(day=1) - timedelta(days=1), *ends]
    quarter_starts = [quarter_of(end)[0] for end in ends if quarter_of(end)[1] == end]
    dates += [start - timedelta(days=1) for start in quarter_starts]
    series = ar_series(dates, scope)
    earliest = min(countback_start(ends[0]), ends[0] - timedelta(days=window_days + 40))
    daily = credit_sales_daily(earliest, ends[-1], scope)
    monthly = []
    for end in ends:
        point, start = series[end], end.replace(day=1)
        before = series[start - timedelta(days=1)]
        figures = dso_of(end, point["total"], point["buckets"]["current"],
                         sales_between(daily, end - timedelta(days=window_days - 1), end), window_days)
        month_cei = cei_of(start, end, before["total"], sales_between(daily, start, end), point["total"],
                           point["buckets"]["current"])
        countback = countback_of(end, point["total"], daily)
        monthly.append({**figures.as_dict(), "dso_countback": countback.days, "buckets": point["buckets"],
                        "cei": month_cei.cei, "month_sales": month_cei.credit_sales,
                        "enough_history": enough_history(end - timedelta(days=window_days - 1), first)})
    quarterly = []
    for start in quarter_starts:
        end = quarter_of(start)[1]
        q = cei_of(start, end, series[start - timedelta(days=1)]["total"], sales_between(daily, start, end),
                   series[end]["total"], series[end]["buckets"]["current"])
        quarterly.append({**q.as_dict(), "quarter": f"{start.year}-Q{(start.month - 1) // 3 + 1}",
                          "enough_history": enough_history(start, first)})
    return {"monthly": monthly, "quarterly": quarterly, "averages": history_averages(monthly, quarterly)}
