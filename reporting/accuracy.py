"""The forecast accuracy page: the backtest shaped into the error table, the summary and the chart."""

import pandas as pd

from reporting.backtest import Backtest
from reporting.charts import _f


def backtest_table(result: Backtest) -> pd.DataFrame:
    """One line per month: each method's forecast and error from open AR, the actual, and the total cash."""
    records = []
    methods = list(result.rows)
    for index in range(len(result.months)):
        first = result.rows[methods[0]][index]
        record = {"month": first.month, "made on": first.made_on, "actual from open AR": first.actual}
        for method in methods:
            row = result.rows[method][index]
            record[f"{method} forecast"] = row.forecast
            record[f"{method} error"] = row.error
            if method == "model":
                record["model P10"], record["model P90"] = row.p10, row.p90
                record["model fell back to the rule"] = row.fallback
        record["not yet issued"] = first.not_yet_issued
        record["other receipts"] = first.other_receipts
        record["actual total cash"] = first.actual_total
        for method in methods:
            row = result.rows[method][index]
            record[f"{method} total forecast"] = row.forecast_total
            record[f"{method} total error"] = row.error_total
        records.append(record)
    return pd.DataFrame.from_records(records)


def accuracy_page(result: Backtest) -> dict:
    """The summaries (MAPE and bias per method, open AR and total cash) and one line per month with a
    cell per method."""
    methods = list(result.rows)
    lines = []
    for index in range(len(result.months)):
        cells = [result.rows[m][index] for m in methods]
        first = cells[0]
        lines.append({"month": first.month, "actual": first.actual, "methods": cells,
                      "model": result.rows["model"][index] if "model" in result.rows else None,
                      "not_yet_issued": first.not_yet_issued, "other_receipts": first.other_receipts,
                      "actual_total": first.actual_total})
    return {"summaries": [result.summary(m) for m in methods], "best": result.best(), "backtest_rows": lines,
            "methods": methods}


def backtest_chart(result: Backtest) -> dict:
    """Actual from open AR as bars; each method's forecast as a line."""
    methods = list(result.rows)
    if not methods:
        return {"labels": [], "series": []}
    first = result.rows[methods[0]]
    series = [{"label": "Actual from open AR", "type": "bar", "values": [_f(r.actual) for r in first]}]
    labels = {"rule": "Rule forecast", "model": "Model forecast"}
    series += [{"label": labels.get(m, m), "type": "line", "values": [_f(r.forecast) for r in result.rows[m]]}
               for m in methods]
    return {"labels": [r.month for r in first], "series": series}
