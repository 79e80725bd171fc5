"""What the report pages, the exports and the API read: engine figures shaped into tables.

Each table is a pandas frame with the columns the page shows, so the CSV/XLSX download carries the
same figures as the screen."""

from collections.abc import Iterable
from datetime import date, timedelta

import pandas as pd
from django.contrib.auth import get_user_model

from core.aging import BUCKET_LABELS, BUCKETS
from core.money import ZERO
from reporting import metrics
from reporting.aging import AgingReport
from reporting.cache import kept
from reporting.forecast import ForecastReport
from reporting.frames import Scope, payments_received


def people_names(usernames: Iterable[object]) -> dict[str, str]:
    """username → the person's name (the username when they have none), for tables people read. One query."""
    wanted = {u for u in usernames if isinstance(u, str)}
    if not wanted:
        return {}
    rows = get_user_model().objects.filter(username__in=wanted).values_list("username", "first_name", "last_name")
    return {username: f"{first} {last}".strip() or username for username, first, last in rows}


def _named(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    if column in frame.columns and len(frame):
        names = people_names(set(frame[column]))
        frame[column] = frame[column].map(lambda u: names.get(u, u))
    return frame


def aging_table(report: AgingReport) -> pd.DataFrame:
    """The aging table: one line per group (or the book), with each bucket and its % of the line's AR."""
    lines = report.rows or [metrics.AgingLine(key="book", label="Book", total=report.total, buckets=report.buckets,
                                              invoices=report.invoices)]
    names = people_names(line.label for line in lines) if report.group_by == "collector" else {}
    records = []
    for line in lines:
        record = {"group": names.get(line.label, line.label), "invoices": line.invoices}
        record.update({BUCKET_LABELS[name]: line.buckets[name] for name in BUCKETS})
        record["total"] = line.total
        record["% past due"] = line.pct_past_due
        records.append(record)
    return pd.DataFrame.from_records(records, columns=["group", "invoices", *BUCKET_LABELS.values(), "total",
                                                       "% past due"])


def trend_table(trend: list[dict]) -> pd.DataFrame:
    records = [
        {"month end": point["date"], **{BUCKET_LABELS[n]: point["buckets"][n] for n in BUCKETS},
         "total": point["total"], "% current": point["pct_current"], "source": point["source"]}
        for point in trend
    ]
    frame = pd.DataFrame.from_records(records, columns=["month end", *BUCKET_LABELS.values(), "total", "% current",
                                                        "source"])
    frame.attrs["totals"] = []  # AR at month-ends does not add up
    return frame


INVOICE_COLUMNS = {
    "invoice": "invoice", "customer": "customer", "family": "family", "collector": "collector",
    "currency": "currency", "issue_date": "issued", "due_date": "due", "days_past_due": "days past due",
    "bucket": "bucket", "open": "open (invoice currency)", "open_base": "open (base)",
}


def invoices_table(frame: pd.DataFrame, extra: dict | None = None) -> pd.DataFrame:
    columns = {**INVOICE_COLUMNS, **(extra or {})}
    present = [c for c in columns if c in frame.columns]
    return _named(frame[present].rename(columns=columns).reset_index(drop=True), "collector")


def aging_page(*, as_of: date, group_by: str, scope: dict, trend_months: int = 12, level: int | None = None) -> dict:
    report = metrics.aging(as_of=as_of, group_by=group_by, level=level, **scope)
    trend = metrics.aging_trend(as_of=as_of, months=trend_months, **scope)
    return {"report": report, "trend": trend}


def dso_page(*, as_of: date, scope: dict, months: int = 12, window_days: int = 90) -> dict:
    """Point figures at D (DSO, count-back, BPDSO, ADD, % current, CEI month to date) and 12-month history."""
    # the history first: its year of credit sales covers the point figures' window (`reads_shared`)
    history = metrics.dso_history(as_of=as_of, months=months, window_days=window_days, **scope)
    return {**metrics.dso_family(as_of, window_days, **scope), "history": history}


def history_table(history: dict) -> pd.DataFrame:
    records = [
        {"month end": m["as_of"], "AR": m["ar"], "current AR": m["current_ar"], "% current": m["pct_current"],
         "credit sales (window)": m["credit_sales"], "DSO": m["dso"], "DSO count-back": m["dso_countback"],
         "BPDSO": m["bpdso"], "ADD": m["add"], "month sales": m["month_sales"], "CEI (month)": m["cei"],
         "enough history": "yes" if m["enough_history"] else "no: window starts before the first invoice"}
        for m in history["monthly"]
    ]
    frame = pd.DataFrame.from_records(records, columns=[
        "month end", "AR", "current AR", "% current", "credit sales (window)", "DSO", "DSO count-back", "BPDSO",
        "ADD", "month sales", "CEI (month)", "enough history"])
    frame.attrs["totals"] = ["month sales"]  # AR and DSO at month-ends do not add up
    return frame


def quarterly_table(history: dict) -> pd.DataFrame:
    records = [
        {"quarter": q["quarter"], "beginning AR": q["beginning_ar"], "credit sales": q["credit_sales"],
         "ending AR": q["ending_ar"], "ending current AR": q["ending_current"], "CEI": q["cei"],
         "enough history": "yes" if q["enough_history"] else "no: the quarter starts before the first invoice"}
        for q in history["quarterly"]
    ]
    frame = pd.DataFrame.from_records(records, columns=["quarter", "beginning AR", "credit sales", "ending AR",
                                                        "ending current AR", "CEI", "enough history"])
    frame.attrs["totals"] = ["credit sales"]
    return frame


def forecast_page(*, as_of: date, horizon_end: date | None, scope: dict, past_months: int = 6) -> dict:
    report = metrics.forecast(as_of=as_of, horizon_end=horizon_end, **scope)
    return {"report": report, "versus": metrics.forecast_vs_actual(as_of=as_of, months=past_months, **scope)}


def weeks_table(report: ForecastReport) -> pd.DataFrame:
    return pd.DataFrame.from_records(
        [{"week from": w["start"], "week to": w["end"], "invoices": w["invoices"], "expected": w["amount"]}
         for w in report.weeks], columns=["week from", "week to", "invoices", "expected"])


def collectors_table(report: ForecastReport) -> pd.DataFrame:
    return _named(pd.DataFrame.from_records(
        [{"collector": c["collector"], "invoices": c["invoices"], "forecast": c["forecast"], "at risk": c["at_risk"]}
         for c in report.by_collector], columns=["collector", "invoices", "forecast", "at risk"]), "collector")


def at_risk_table(report: ForecastReport) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(report.at_risk_invoices, columns=[
        "invoice_id", "invoice", "customer_id", "customer", "collector", "currency", "open", "open_base",
        "due_date", "days_past_due", "predicted", "basis"])
    return invoices_table(frame, {"predicted": "predicted pay date", "basis": "basis"})


def versus_table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(
        [{"month": r["month"], "forecast": r["forecast"], "at risk": r["at_risk"], "actual": r["actual"],
          "difference": r["difference"]} for r in rows],
        columns=["month", "forecast", "at risk", "actual", "difference"])


@kept
def kpi_history(*, as_of: date, scope: dict, months: int = 12) -> pd.DataFrame:
    """Month by month: AR, % current, DSO (standard, count-back), BPDSO, ADD, CEI, 91+ share and cash
    collected. The AR of all month-ends together (or the snapshots), one sales and one payments query."""
    history = metrics.dso_history(as_of=as_of, months=months, **scope)
    monthly = history["monthly"]
    first = monthly[0]["as_of"].replace(day=1)
    received = payments_received(first, monthly[-1]["as_of"], Scope(**scope))
    records = []
    for m in monthly:
        end, start = m["as_of"], m["as_of"].replace(day=1)
        cash = sum(received.loc[(received["on"] >= start) & (received["on"] <= end), "base"], ZERO) \
            if not received.empty else ZERO
        over_90 = m["buckets"]["91+"]
        records.append({
            "month": start.strftime("%Y-%m"), "AR": m["ar"], "% current": m["pct_current"],
            "% 91+": metrics.percent(over_90, m["ar"]), "DSO": m["dso"], "DSO count-back": m["dso_countback"],
            "BPDSO": m["bpdso"], "ADD": m["add"], "CEI": m["cei"], "collected": cash,
            "enough history": "yes" if m["enough_history"] else "no",
        })
    frame = pd.DataFrame.from_records(records, columns=["month", "AR", "% current", "% 91+", "DSO",
                                                        "DSO count-back", "BPDSO", "ADD", "CEI", "collected",
                                                        "enough history"])
    frame.attrs["totals"] = ["collected"]
    return frame


def previous_month_end(day: date) -> date:
    return day.replace(day=1) - timedelta(days=1)
