"""The tables of the team pages as pandas frames, for CSV and XLSX downloads with the same figures as
the page (amounts rounded to cents, rates to one decimal, as shown)."""

from decimal import Decimal

import pandas as pd

from reporting.work_metrics import rounded

EXPORT_FORMATS = ("csv", "xlsx")


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _pct(value):
    return rounded(value, "0.1")


def collectors_frame(dashboard) -> pd.DataFrame:
    rows = []
    for r in dashboard.rows:
        rows.append({
            "collector": _name(r.collector), "ar": rounded(r.ar),
            "past_due": rounded(r.past_due), "over_30_no_plan_amount": rounded(r.no_plan_amount),
            "over_30_no_plan_invoices": r.no_plan_invoices, "over_30_no_plan_accounts": r.no_plan_accounts,
            "touches": r.touches.total, "touches_per_day": rounded(r.touches.per_day, "0.1"),
            "coverage_pct": _pct(r.coverage.rate), "past_due_accounts": r.coverage.past_due_accounts,
            "promise_kept_pct_count": _pct(r.promises.rate_by_count),
            "promise_kept_pct_amount": _pct(r.promises.rate_by_amount),
            "open_disputes": r.open_disputes, "open_dispute_avg_age_days": _pct(r.open_dispute_age),
            "dispute_cycle_mean_days": _pct(r.cycle.mean_days), "dispute_cycle_median_days": _pct(r.cycle.median_days),
            "target": rounded(r.target.target), "collected": rounded(r.target.collected),
            "forecast_to_month_end": rounded(r.target.forecast), "gap": rounded(r.target.gap),
            "projected_gap": rounded(r.target.projected_gap),
        })
    return pd.DataFrame(rows)  # every amount and count adds up; rates and days do not (core.exports)


def accounts_frame(dashboard) -> pd.DataFrame:
    names = {r.collector.pk: _name(r.collector) for r in dashboard.rows}
    rows = [
        {"collector": names.get(collector_id, ""), "rank": n, "customer": a["customer"],
         "past_due": rounded(a["past_due"]), "oldest_days_past_due": a["oldest_days"], "invoices": a["invoices"],
         "headline": a["headline"]}
        for collector_id, accounts in dashboard.accounts.items() for n, a in enumerate(accounts, start=1)
    ]
    return pd.DataFrame(rows, columns=["collector", "rank", "customer", "past_due", "oldest_days_past_due",
                                       "invoices", "headline"])


def disputes_frame(dashboard) -> pd.DataFrame:
    names = {r.collector.pk: _name(r.collector) for r in dashboard.rows}
    rows = [
        {"collector": names.get(d["collector_id"], ""), "customer": d["customer__name"],
         "root_cause": d["root_cause_label"], "amount": rounded(d["amount"]), "currency": d["currency"],
         "amount (base)": rounded(d["amount_base"]), "opened_on": d["opened_on"], "age_days": d["age_days"],
         "status": d["status_label"], "owner": d["owner_label"]}
        for d in dashboard.disputes
    ]
    return pd.DataFrame(rows, columns=["collector", "customer", "root_cause", "amount", "currency", "amount (base)",
                                       "opened_on", "age_days", "status", "owner"])


def cycle_frame(dashboard, labels: dict) -> pd.DataFrame:
    rows = [{"root_cause": labels.get(cause, cause), "resolved": c.resolved, "mean_days": _pct(c.mean_days),
             "median_days": _pct(c.median_days)}
            for cause, c in sorted(dashboard.cycle["by_root_cause"].items())]
    overall = dashboard.cycle["overall"]
    rows.append({"root_cause": "All", "resolved": overall.resolved, "mean_days": _pct(overall.mean_days),
                 "median_days": _pct(overall.median_days)})
    frame = pd.DataFrame(rows)
    frame.attrs["totals"] = []  # the last row is already the total ("All")
    return frame


def targets_frame(rows, month) -> pd.DataFrame:
    return pd.DataFrame([
        {"month": month.strftime("%Y-%m"), "collector": _name(r.collector), "target": rounded(r.target),
         "collected_to_date": rounded(r.collected), "forecast_to_month_end": rounded(r.forecast),
         "gap": rounded(r.gap), "projected_gap": rounded(r.projected_gap), "attainment_pct": _pct(r.attainment)}
        for r in rows
    ], columns=["month", "collector", "target", "collected_to_date", "forecast_to_month_end", "gap",
                "projected_gap", "attainment_pct"])


SUMMARY_SECTIONS = [
    ("successes", "promises_kept", "Promise kept"), ("successes", "disputes_resolved", "Dispute resolved"),
    ("successes", "brought_current", "Brought current"), ("pain_points", "promises_broken", "Promise broken"),
    ("pain_points", "aged_into_61", "Aged into 61+"), ("pain_points", "escalations_stuck", "Escalation stuck"),
    ("pain_points", "disputes_aging", "Dispute aging"),
]


def summary_frame(summary: dict) -> pd.DataFrame:
    rows = []
    for part, key, label in SUMMARY_SECTIONS:
        for item in summary[part][key]:
            detail = item.get("status") or item.get("root_cause") or item.get("level") or ""
            rows.append({"section": label, "customer": item["customer"],
                         "amount": rounded(Decimal(item["amount"])) if item.get("amount") else None,
                         "days": item.get("days"), "detail": detail})
    for item in summary["help_needed"]:
        rows.append({"section": "Help needed", "customer": item["customer"], "amount": None, "days": None,
                     "detail": item["message"]})
    frame = pd.DataFrame(rows, columns=["section", "customer", "amount", "days", "detail"])
    frame.attrs["totals"] = []  # kept and broken promises, aging disputes: amounts that do not add up
    return frame


def root_cause_frames(report) -> dict[str, pd.DataFrame]:
    by_cause = pd.DataFrame([
        {"root_cause": r["root_cause_label"], "disputes": r["disputes"],
         "disputed_amount": rounded(r["disputed_amount"]), "resolved": r["resolved"],
         "cycle_mean_days": _pct(r["cycle_mean"]), "cycle_median_days": _pct(r["cycle_median"]),
         "late_invoices": r["late_invoices"], "late_amount": rounded(r["late_amount"]),
         "avg_days_late": _pct(r["avg_days_late"])}
        for r in report.by_cause
    ])
    by_month = pd.DataFrame(
        [{"kind": "dispute", "month": r["month"], "root_cause": r["root_cause_label"], "count": r["count"],
          "amount": rounded(r["amount"])} for r in report.disputes_by_month]
        + [{"kind": "late payment", "month": r["month"], "root_cause": r["root_cause_label"], "count": r["count"],
            "amount": rounded(r["amount"])} for r in report.late_by_month],
        columns=["kind", "month", "root_cause", "count", "amount"],
    )
    by_month.attrs["totals"] = []  # disputes and late payments in one table: no single total
    customers = pd.DataFrame([
        {"customer": r["customer"], "disputes": r["disputes"], "disputed_amount": rounded(r["disputed_amount"]),
         "late_invoices": r["late_invoices"], "late_amount": rounded(r["late_amount"]),
         "avg_days_late": _pct(r["avg_days_late"]), "main_cause": r["main_cause"]}
        for r in report.by_customer
    ])
    return {"by_cause": by_cause, "by_month": by_month, "customers": customers}
