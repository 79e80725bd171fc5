"""Report figures as plain JSON-ready dicts, keyed as METRICS.md names them (total, buckets with
current, 1-30, 31-60, 61-90, 91+, dso, dso_countback, bpdso, add, cei, forecast, at_risk).
`manage.py ar_report --json` and /api/reports/ both print these, so scripts see one set of figures.
Amounts and ratios are rounded to 2 decimals here, for output only."""

from datetime import date
from decimal import Decimal

from core.money import CENT
from reporting import metrics
from reporting.backtest import backtest


def plain(value):
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars from pandas frames
        return value.item()
    return value


def aging_payload(*, as_of: date, group_by: str | None = None, level: int | None = None, **scope) -> dict:
    report = metrics.aging(as_of=as_of, group_by=group_by, level=level, **scope)
    payload = {
        "as_of": as_of, "total": report.total, "buckets": report.buckets, "pct": report.pct,
        "pct_current": report.pct_current, "pct_past_due": report.pct_past_due,
        "unapplied_cash": report.unapplied_cash, "unapplied_credits": report.unapplied_credits,
        "invoices": report.invoices,
    }
    if group_by and group_by != "book":
        payload["group_by"] = group_by
        payload["rows"] = [{"key": line.key, "label": line.label, "total": line.total, "buckets": line.buckets}
                           for line in report.rows]
    return plain(payload)


def dso_payload(*, as_of: date, window_days: int = 90, **scope) -> dict:
    family = metrics.dso_family(as_of, window_days, **scope)
    figures, countback = family["figures"], family["countback"]
    return plain({
        "as_of": as_of, "window_days": window_days, "ar": figures.ar, "current_ar": figures.current_ar,
        "credit_sales": figures.credit_sales, "dso": figures.dso, "dso_countback": countback.days,
        "dso_countback_over_24_months": countback.over_24_months, "bpdso": figures.bpdso, "add": figures.add,
        "pct_current": figures.pct_current,
    })


def cei_payload(*, start: date, end: date, **scope) -> dict:
    figures = metrics.cei(start, end, **scope)
    return plain(figures.as_dict())


def forecast_payload(*, as_of: date, horizon_end: date | None = None, **scope) -> dict:
    report = metrics.forecast(as_of=as_of, horizon_end=horizon_end, **scope)
    return plain(report.as_dict())


def backtest_payload(*, as_of: date, months: int = 12, method: str | None = None, **scope) -> dict:
    """Per method: per month forecast, actual, error (from open AR; and total cash), mape and bias."""
    return plain(backtest(as_of=as_of, months=months, method=method, **scope).as_dict())
