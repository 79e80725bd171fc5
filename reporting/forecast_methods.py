"""The forecast's two methods side by side: the stored pay-date model, the method the dashboard shows by
default, the model's figures for a day, and the queue signal for large invoices predicted to slip.

Training (nightly, `reporting.tasks.pay_model_train_nightly`) backtests both methods over the last 12
complete months and stores the model as of yesterday with that score (`PayModel`). The default method
is `FORECAST_DEFAULT_METHOD` when finance pinned one, else the one with the lower backtest MAPE, else
the rule (no model stored yet).
"""

import io
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import joblib
import pandas as pd
from dateutil.relativedelta import relativedelta
from django.conf import settings

from ledger.models import Customer, Invoice
from reporting.aging import month_ends
from reporting.backtest import METHODS, Backtest, run
from reporting.behaviour import window_start
from reporting.cache import kept
from reporting.forecast import forecast, month_end, resolved_disputes
from reporting.frames import BOOK, Scope, closed_invoices, first_issue_date, open_invoices
from reporting.models import PayModel
from reporting.not_yet_issued import NotYetIssued, not_yet_issued_to
from reporting.pay_model import (
    ModelForecast,
    TrainedModel,
    cash_applied,
    history,
    model_forecast,
    snapshot,
    train,
)
from reporting.payloads import plain
from work.models import QueueTask
from work.services import queue_task_raise

_loaded: dict[int, TrainedModel] = {}


def pointer() -> Path:
    """VAR_DIR/pay_model_latest: the newest stored model's id, written by the training. Pages read it
    rather than the database, so a book with no model yet costs no query."""
    return Path(settings.VAR_DIR) / "pay_model_latest"


def stored_model() -> tuple[PayModel | None, TrainedModel | None]:
    """The newest stored model (row and estimator); the estimator is read once per process."""
    try:
        pk = int(pointer().read_text().strip())
    except (FileNotFoundError, ValueError):
        return None, None
    row = PayModel.objects.defer("blob").filter(pk=pk).first()
    if row is None:
        return None, None
    if row.pk not in _loaded:
        blob = PayModel.objects.filter(pk=row.pk).values_list("blob", flat=True).get()
        _loaded.clear()
        _loaded[row.pk] = joblib.load(io.BytesIO(bytes(blob)))
    return row, _loaded[row.pk]


def default_method(row: PayModel | None = None) -> str:
    """`FORECAST_DEFAULT_METHOD` when pinned; else the method with the lower stored backtest MAPE."""
    pinned = getattr(settings, "FORECAST_DEFAULT_METHOD", "")
    if pinned in METHODS:
        return pinned
    if row is None:
        row, _ = stored_model()
    return (row.score or {}).get("best", "rule") if row else "rule"


def forecast_by_collector(*, as_of: date, horizon_end: date) -> tuple[str, dict[str, Decimal]]:
    """The default method's forecast to the horizon per collector (username), for the team dashboard and
    the targets: the stored model's expected amount when the model is the default, else the rule's
    (METRICS.md). Returns the method used and the figures."""
    if default_method() == "model":
        figures = model_figures(as_of=as_of, horizon_end=horizon_end)
        if figures is not None:
            return "model", figures.forecast.by_collector()
    rows = forecast(as_of=as_of, horizon_end=horizon_end).by_collector
    return "rule", {row["collector"]: row["forecast"] for row in rows}


def score_of(result: Backtest) -> dict:
    return plain({"best": result.best(), "as_of": result.as_of,
                  "methods": {m: result.summary(m) for m in result.rows}})


@dataclass
class Trained:
    row: PayModel | None
    backtest: Backtest | None  # None: the stored score was carried over
    seconds: float
    training_seconds: float


def pay_model_train(*, as_of: date, months: int = 12, backtest: bool | None = None) -> Trained:
    """Train the model as of `as_of` and store it with its backtest score: both methods over the `months`
    complete months up to `as_of`. The backtest changes only when a month closes, so it is rerun when the
    newest stored score does not cover the latest complete month (or `backtest=True`); otherwise that
    score is carried over and only the model is trained (bounded). On thin history nothing is stored."""
    started = time.perf_counter()
    last_month = month_ends(as_of, 1)[0].isoformat()
    previous = PayModel.objects.defer("blob").order_by("-trained_at", "-pk").first()
    rerun = backtest if backtest is not None else not (
        previous and previous.score.get("last_month") == last_month and previous.score.get("months") == months)
    made = [end.replace(day=1) - timedelta(days=1) for end in month_ends(as_of, months)]
    begins = first_issue_date(BOOK) or as_of
    first = max(begins, (made[0] if rerun else as_of) - relativedelta(months=12))
    hist = history(min(first, as_of), as_of, BOOK, extra_days=[*made, as_of] if rerun else [as_of])
    result = run(as_of=as_of, months=months, hist=hist) if rerun else None
    model = train(hist, as_of)
    if model is None:
        return Trained(None, result, time.perf_counter() - started, 0.0)
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    if result is not None:
        score = {**score_of(result), "last_month": last_month, "months": months}
    else:  # carried over (no rerun means a stored score covers the latest month)
        score = previous.score if previous is not None else {}
    row = PayModel.objects.create(as_of=as_of, params=model.params, score=score, rows=model.rows,
                                  seconds=round(model.seconds, 2), blob=buffer.getvalue())
    pointer().write_text(str(row.pk))  # a rolled-back row is simply not found: the rule stands
    return Trained(row, result, time.perf_counter() - started, model.seconds)


@dataclass
class ModelFigures:
    row: PayModel
    forecast: ModelForecast
    not_yet_issued: NotYetIssued


def model_figures_of(model: TrainedModel, row: PayModel, *, as_of: date, horizon_end: date,
                     scope: Scope = BOOK) -> ModelFigures:
    frame = open_invoices(as_of, scope)
    start = window_start(as_of)
    snap = snapshot(as_of, frame, scope, closed_invoices(start, as_of), resolved_disputes(start, as_of),
                    cash_applied(start, as_of, scope))
    return ModelFigures(row=row, forecast=model_forecast(model, snap, horizon_end),
                        not_yet_issued=not_yet_issued_to(as_of, horizon_end, scope))


@kept
def model_figures(*, as_of: date, horizon_end: date, collector: object = None, segment: str | None = None,
                  currency: str | None = None) -> ModelFigures | None:
    """The stored model's forecast as of a day to a horizon, with the lines for invoices not yet
    issued; None when no model is stored (thin history: the rule only)."""
    row, model = stored_model()
    if model is None or row is None:
        return None
    return model_figures_of(model, row, as_of=as_of, horizon_end=horizon_end,
                            scope=Scope(collector, segment, currency))


def slip_amount() -> float:
    return getattr(settings, "FORECAST_SLIP_AMOUNT", 25000)


def forecast_slips_raise(*, as_of: date) -> list[QueueTask]:
    """A FORECAST_SLIP task for each open invoice of at least FORECAST_SLIP_AMOUNT (base) the model
    predicts paid after the month's end (probability by month end below one half), once per invoice
    and month (key `forecast_slip:<invoice>:<YYYY-MM>`)."""
    row, model = stored_model()
    if model is None or row is None:
        return []
    end = month_end(as_of)
    figures = model_figures_of(model, row, as_of=as_of, horizon_end=end)
    invoices = figures.forecast.invoices
    if invoices.empty:
        return []
    large = invoices[(invoices["open_base"] >= slip_amount()) & (invoices["probability"] < 0.5)]
    if large.empty:
        return []
    details = {i: (number, customer_id) for i, number, customer_id in Invoice.objects.filter(
        pk__in=[int(i) for i in large["invoice_id"]]).values_list("pk", "external_id", "customer_id")}
    customers = Customer.objects.in_bulk({c for _, c in details.values()})
    raised = []
    for invoice_id, probability, predicted, open_base in zip(
            large["invoice_id"], large["probability"], large["predicted_date"], large["open_base"], strict=True):
        number, customer_id = details[invoice_id]
        when = predicted.isoformat() if predicted else "not within 13 weeks"
        raised.append(queue_task_raise(
            customer=customers[customer_id], kind=QueueTask.Kind.FORECAST_SLIP,
            title=f"Invoice {number} predicted to slip past {end:%d %b}",
            detail=(f"Open {open_base:.2f} (base); predicted pay date {when}; probability of payment by "
                    f"{end.isoformat()}: {probability:.0%}."),
            key=f"forecast_slip:{invoice_id}:{end:%Y-%m}"))
    return raised


def side_by_side(*, as_of: date, horizon_end: date, scope: dict, at_risk: list[dict]) -> dict:
    """The forecast page's comparison: the rule's figure is the page's; the model's expected amount with
    its P10–P90 range, the lines for invoices not yet issued and other receipts, each method's stored
    backtest error, the default method, and per at-risk invoice the model's date and probability."""
    row, _ = stored_model()
    figures = model_figures(as_of=as_of, horizon_end=horizon_end, **scope) if row else None
    by_invoice = {}
    if figures is not None and not figures.forecast.invoices.empty:
        invoices = figures.forecast.invoices
        by_invoice = {int(i): (p, d) for i, p, d in zip(invoices["invoice_id"], invoices["probability"],
                                                        invoices["predicted_date"], strict=True)}
    rows = [{**r, "model_probability": by_invoice.get(int(r["invoice_id"]), (None, None))[0],
             "model_predicted": by_invoice.get(int(r["invoice_id"]), (None, None))[1]} for r in at_risk]
    score = (row.score or {}).get("methods", {}) if row else {}
    return {"model": figures, "model_row": row, "scores": score, "default_method": default_method(row),
            "pinned": getattr(settings, "FORECAST_DEFAULT_METHOD", "") in METHODS, "at_risk_model_rows": rows}


def model_columns(frame: pd.DataFrame, *, as_of: date, scope: dict) -> pd.DataFrame:
    """The aging drill-down's invoices with the model's predicted pay date and probability of payment by
    the end of the month (blank without a stored model)."""
    row, _ = stored_model()
    figures = model_figures(as_of=as_of, horizon_end=month_end(as_of), **scope) if row else None
    frame = frame.copy()
    if figures is None or figures.forecast.invoices.empty or frame.empty:
        frame["model_probability"], frame["model_predicted"] = None, None
        return frame
    invoices = figures.forecast.invoices.set_index("invoice_id")
    frame["model_probability"] = frame["invoice_id"].map(invoices["probability"])
    frame["model_predicted"] = frame["invoice_id"].map(invoices["predicted_date"])
    return frame
