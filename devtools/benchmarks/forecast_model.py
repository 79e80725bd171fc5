"""Figures for `make bench`: the forecast's backtest on the loaded book (both methods' MAPE and bias over
the last 12 complete months, from open AR and in total cash with the invoices not yet issued) and how
long one nightly training of the pay-date model takes (its own figure: the nightly job's bound).

The training writes a `PayModel` row inside a transaction that is rolled back: the book is as it was.
"""

import time
from datetime import date

from django.db import transaction

from reporting.forecast_methods import pay_model_train, pointer

TRAINING_SECONDS = 60  # the nightly training's bound on the large book


class _RollBack(Exception):
    pass


def forecast_model_figures(as_of: date, months: int = 12) -> dict:
    """The backtest of both methods and one bounded training, measured separately."""
    figures: dict = {}
    kept = pointer().read_text() if pointer().exists() else None
    try:
        with transaction.atomic():
            started = time.perf_counter()
            trained = pay_model_train(as_of=as_of, months=months, backtest=True)
            figures["backtest_seconds"] = round(time.perf_counter() - started, 1)
            result = trained.backtest
            for method in result.rows:
                summary = result.summary(method)
                figures[method] = {key: None if summary[key] is None else round(float(summary[key]), 2)
                                   for key in ("mape", "bias", "mape_total", "bias_total")}
                figures[method]["fallback_months"] = summary["fallback_months"]
            figures["best"] = result.best()
            started = time.perf_counter()
            again = pay_model_train(as_of=as_of, months=months)  # the nightly case: the score carried over
            figures["training_seconds"] = round(time.perf_counter() - started, 1)
            figures["model_stored"] = again.row is not None
            raise _RollBack
    except _RollBack:
        pass
    if kept is None:
        pointer().unlink(missing_ok=True)
    else:
        pointer().write_text(kept)
    return figures


def forecast_model_rows(figures: dict) -> list[tuple]:
    """The bench table's rows: each method's MAPE and bias, the total cash, the training time."""
    if "skipped" in figures:
        return [("forecast model", f"skipped: {figures['skipped']}", "", None)]
    rows = []
    for method in ("rule", "model"):
        if method in figures:
            f = figures[method]
            rows.append((f"forecast backtest, {method}: MAPE % / bias %", f"{f['mape']} / {f['bias']}",
                         "model MAPE <= rule's / 2, |bias| <= 3" if method == "model" else "information",
                         _passed(figures) if method == "model" else None))
            rows.append(("  the same with not-yet-issued (total cash): MAPE % / bias %",
                         f"{f['mape_total']} / {f['bias_total']}", "<= 5 % MAPE" if method == "model" else "",
                         (f["mape_total"] is not None and f["mape_total"] <= 5) if method == "model" else None))
    rows.append(("forecast model: nightly training s (backtest s)",
                 f"{figures.get('training_seconds')} ({figures.get('backtest_seconds')})",
                 f"< {TRAINING_SECONDS} s", (figures.get("training_seconds") or 0) < TRAINING_SECONDS))
    return rows


def _passed(figures: dict) -> bool:
    rule, model = figures["rule"], figures["model"]
    if rule["mape"] is None or model["mape"] is None or model["bias"] is None:
        return False
    return model["mape"] <= rule["mape"] / 2 and abs(model["bias"]) <= 3
