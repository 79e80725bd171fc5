"""A learned pay-date model: the share of each open invoice the book collects by a horizon.

The rule (`reporting.forecast`) gives each open invoice one date. This model learns from the book's
own history what happened to invoices in the same position: at past snapshot days `d` (every month
end and the 15th), each invoice open then is one row per horizon (the next month ends, up to three),
its label the share of its open amount paid in cash in `d < day ≤ horizon`. Its features are known at
`d`: amount, open share, terms, age, days past due, the customer's and family's weighted days late
and how many invoices they closed (METRICS.md's 12-month window), the rule's own predicted date and
its basis (plan, promise, dispute, history), the segment, the due date's weekday and day of month,
and the horizon (monotone: more time never lowers the share). A `HistGradientBoostingRegressor`
(squared error, weighted by open amount) learns the expected share.

Trained as of `D`, only rows whose horizon ended on or before `D` are used: every label is known at
`D` and nothing dated after it is read (no leakage). With fewer than FORECAST_MODEL_MIN_CLOSED
invoices closed by `D` there is no model and the forecast falls back to the rule.

Per invoice the model gives the probability of being paid by the horizon and a predicted pay date
(the first day the expected share reaches one half, on a weekly grid out to 13 weeks). The expected
amount is Σ open × probability; its P10–P90 range treats invoices as independent (normal
approximation of Σ open × Bernoulli(p)).
"""

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import BigIntegerField, F
from django.db.models.functions import Cast, Round
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from ledger.models import Application, Invoice
from reporting.behaviour import payment_behaviour, window_start
from reporting.forecast import dispute_cycle, month_end, predict, resolved_disputes
from reporting.frames import BOOK, Scope, closed_invoices, open_invoices_at

BASES = ("payment history", "promise", "payment plan", "dispute")
FEATURES = [
    "log_open", "open_share", "terms", "age", "past_due", "horizon_days", "due_to_horizon", "rule_to_horizon",
    "rule_offset", "customer_late", "customer_closed", "family_late", "basis", "segment", "due_weekday",
    "due_day", "book_late",
]
CATEGORICAL = ["basis", "segment"]
HORIZONS = 3  # month ends after a snapshot day used as training horizons
GRID_DAYS = [7 * k for k in range(1, 14)]  # the weekly grid of predicted pay dates
MAX_ROWS = 60_000  # rows a fit reads at most (a random sample on a big book): bounded training
Z90 = 1.2815515655446004  # the normal distribution's 90th percentile


def min_closed() -> int:
    return getattr(settings, "FORECAST_MODEL_MIN_CLOSED", 200)


def snapshot_days(first: date, last: date) -> list[date]:
    """Every month end and 15th in first..last."""
    days, month = [], first.replace(day=1)
    while month <= last:
        for day in (month.replace(day=15), month_end(month)):
            if first <= day <= last:
                days.append(day)
        month += relativedelta(months=1)
    return days


def cash_applied(start: date, end: date, scope: Scope = BOOK) -> pd.DataFrame:
    """(invoice, customer, day, cents) of cash (payment) applications dated in start..end; reversals
    negative. One query."""
    qs = scope.filter(Application.objects.filter(applied_on__range=(start, end), payment__isnull=False)
                      .exclude(invoice__status=Invoice.Status.VOID), customer="invoice__customer",
                      currency_field="invoice__currency")
    rows = qs.order_by().annotate(cents=Cast(Round(F("amount") * 100), BigIntegerField())).values_list(
        "invoice_id", "invoice__customer_id", "applied_on", "cents")
    frame = pd.DataFrame.from_records(list(rows), columns=["invoice_id", "customer_id", "on", "cents"])
    frame["cents"] = frame["cents"].astype("int64")
    return frame


def _days(later, earlier) -> np.ndarray:
    return np.array([(a - b).days for a, b in zip(later, earlier, strict=True)], dtype="float64")


@dataclass
class Snapshot:
    """The invoices open at the end of `day`, with the features known then (horizon-free ones)."""

    day: date
    frame: pd.DataFrame


def snapshot(day: date, open_frame: pd.DataFrame, scope: Scope, closed: pd.DataFrame,
             resolved: pd.DataFrame) -> Snapshot:
    """Features of the invoices open at `day`, from rows dated on or before it only."""
    behaviour = payment_behaviour(day, closed)
    frame = predict(open_frame, day, scope, behaviour, dispute_cycle(day, resolved))
    if frame.empty:
        return Snapshot(day, frame.assign(**{name: pd.Series(dtype="float64") for name in FEATURES}))
    open_base = np.array([float(v) for v in frame["open_base"]])
    amount = np.array([float(a * r) for a, r in zip(frame["amount"], frame["rate"], strict=True)])
    late = {c: float(row["days_late"]) for c, row in behaviour.customers.items()}
    closed_count = {c: row["invoices"] for c, row in behaviour.customers.items()}
    book_late = float(behaviour.book_days_late)
    frame["open_base_f"] = open_base
    frame["log_open"] = np.log1p(np.maximum(open_base, 0))
    frame["open_share"] = np.divide(open_base, amount, out=np.ones_like(open_base), where=amount > 0)
    frame["terms"] = _days(frame["due_date"], frame["issue_date"])
    frame["age"] = [(day - d).days for d in frame["issue_date"]]
    frame["past_due"] = frame["days_past_due"].astype("float64")
    frame["rule_offset"] = [(p - day).days for p in frame["predicted"]]
    frame["customer_late"] = frame["customer_id"].map(late).fillna(book_late).astype("float64")
    frame["customer_closed"] = frame["customer_id"].map(closed_count).fillna(0).astype("float64")
    frame["family_late"] = frame.groupby("family_id")["customer_late"].transform("mean")
    frame["basis"] = [BASES.index(b.split(":")[0]) if b.split(":")[0] in BASES else 0 for b in frame["basis"]]
    frame["segment"] = frame["segment"].fillna("")
    frame["due_weekday"] = [d.weekday() for d in frame["due_date"]]
    frame["due_day"] = [d.day for d in frame["due_date"]]
    frame["book_late"] = book_late
    return Snapshot(day, frame)


def at_horizon(snap: Snapshot, horizon_end: date) -> pd.DataFrame:
    """The snapshot's rows with the horizon's features."""
    frame = snap.frame.copy()
    frame["horizon_end"] = horizon_end
    frame["horizon_days"] = float((horizon_end - snap.day).days)
    frame["due_to_horizon"] = [(horizon_end - d).days for d in frame["due_date"]]
    frame["rule_to_horizon"] = [(horizon_end - p).days for p in frame["predicted"]]
    return frame


def labelled(snap: Snapshot, horizon_end: date, cash: pd.DataFrame) -> pd.DataFrame:
    """The rows at one horizon with their label: the share of the open amount paid in cash in day..horizon."""
    frame = at_horizon(snap, horizon_end)
    moved = cash[(cash["on"] > snap.day) & (cash["on"] <= horizon_end)].groupby("invoice_id")["cents"].sum()
    open_cents = np.array([float(v) * 100 for v in frame["open"]])
    paid = frame["invoice_id"].map(moved).fillna(0).to_numpy(dtype="float64")
    frame["label"] = np.clip(np.divide(paid, open_cents, out=np.zeros_like(paid), where=open_cents > 0), 0, 1)
    return frame


@dataclass
class History:
    """Snapshots and cash of a span, read once and reused by every training date of a backtest."""

    scope: Scope
    snapshots: dict[date, Snapshot] = field(default_factory=dict)
    cash: pd.DataFrame | None = None
    closed: pd.DataFrame | None = None
    segments: list[str] = field(default_factory=list)

    def closed_by(self, as_of: date) -> int:
        return int((self.closed["closed_on"] <= as_of).sum()) if self.closed is not None else 0

    def training_rows(self, as_of: date) -> pd.DataFrame:
        """Every (snapshot, horizon) whose horizon ended on or before `as_of`: its labels are known then."""
        parts = []
        for day, snap in self.snapshots.items():
            if snap.frame.empty:
                continue
            horizons = [month_end(day + relativedelta(months=k)) for k in range(HORIZONS + 1)]
            for end in horizons:
                if day < end <= as_of and (end - day).days <= 31 * HORIZONS:
                    parts.append(labelled(snap, end, self.cash))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*FEATURES, "label"])


def history(first: date, last: date, scope: Scope = BOOK, extra_days: list[date] = ()) -> History:
    """The snapshots from `first` to `last` (and any `extra_days`), the cash applied and the closed
    invoices over the span. A fixed number of queries per snapshot day (behaviour and the rule's
    promises, disputes and plans), plus four."""
    days = sorted(set(snapshot_days(first, last)) | set(extra_days))
    frames = open_invoices_at(days, scope)
    closed = closed_invoices(window_start(days[0]), days[-1])
    resolved = resolved_disputes(window_start(days[0]), days[-1])
    cash = cash_applied(window_start(days[0]), month_end(days[-1] + relativedelta(months=HORIZONS)), scope)
    out = History(scope=scope, cash=cash, closed=closed)
    for day in days:
        out.snapshots[day] = snapshot(day, frames[day], scope, closed, resolved)
    segs = set()
    for snap in out.snapshots.values():
        if not snap.frame.empty:
            segs |= set(snap.frame["segment"])
    out.segments = sorted(segs)
    return out


@dataclass
class TrainedModel:
    as_of: date
    estimator: HistGradientBoostingRegressor
    segments: list[str]
    rows: int
    seconds: float
    params: dict

    def matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        x = frame[FEATURES].copy()
        x["segment"] = [self.segments.index(s) if s in self.segments else -1 for s in frame["segment"]]
        x["segment"] = x["segment"].where(x["segment"] >= 0, np.nan)
        return x.astype("float64")

    def share(self, frame: pd.DataFrame) -> np.ndarray:
        if frame.empty:
            return np.zeros(0)
        with threadpool_limits(limits=1):
            return np.clip(self.estimator.predict(self.matrix(frame)), 0.0, 1.0)


def train(hist: History, as_of: date, *, max_rows: int = MAX_ROWS, seed: int = 0) -> TrainedModel | None:
    """The model as of `as_of` from the rows whose labels were known then; None on thin history."""
    if hist.closed_by(as_of) < min_closed():
        return None
    rows = hist.training_rows(as_of)
    if len(rows) < min_closed():
        return None
    started = time.perf_counter()
    if len(rows) > max_rows:
        rows = rows.sample(n=max_rows, random_state=seed)
    params = {"max_iter": 120, "learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 40,
              "l2_regularization": 1.0}
    monotone = [1 if name in ("horizon_days", "rule_to_horizon", "due_to_horizon") else 0 for name in FEATURES]
    estimator = HistGradientBoostingRegressor(
        loss="squared_error", categorical_features=[FEATURES.index(c) for c in CATEGORICAL],
        monotonic_cst=monotone, random_state=seed, early_stopping=False, **params)
    model = TrainedModel(as_of=as_of, estimator=estimator, segments=hist.segments, rows=len(rows), seconds=0.0,
                         params=params)
    # √open amount: large invoices count more (the forecast is of amounts) without a few deciding the fit.
    weights = np.sqrt(np.maximum(rows["open_base_f"].to_numpy(dtype="float64"), 0.01))
    with threadpool_limits(limits=1):  # one thread: OpenMP's spinning threads crawl on a busy machine
        estimator.fit(model.matrix(rows), rows["label"].to_numpy(dtype="float64"), sample_weight=weights)
    model.seconds = time.perf_counter() - started
    return model


@dataclass
class ModelForecast:
    as_of: date
    horizon_end: date
    expected: float
    p10: float
    p90: float
    invoices: pd.DataFrame  # invoice_id, probability, predicted_date, open_base


def model_forecast(model: TrainedModel, snap: Snapshot, horizon_end: date) -> ModelForecast:
    """Expected collections in (D, horizon] from the invoices open at D, its P10–P90 range, and per
    invoice the probability of being paid by the horizon and the predicted pay date."""
    frame = at_horizon(snap, horizon_end)
    if frame.empty:
        empty = pd.DataFrame(columns=["invoice_id", "probability", "predicted_date", "open_base"])
        return ModelForecast(snap.day, horizon_end, 0.0, 0.0, 0.0, empty)
    prob = model.share(frame)
    amount = frame["open_base_f"].to_numpy(dtype="float64")
    expected = float((amount * prob).sum())
    spread = float(np.sqrt((amount ** 2 * prob * (1 - prob)).sum()))
    dates = predicted_dates(model, snap)
    invoices = pd.DataFrame({"invoice_id": frame["invoice_id"].to_numpy(), "probability": prob,
                             "predicted_date": dates, "open_base": frame["open_base"].to_numpy()})
    return ModelForecast(snap.day, horizon_end, expected, max(expected - Z90 * spread, 0.0), expected + Z90 * spread,
                         invoices)


def predicted_dates(model: TrainedModel, snap: Snapshot) -> list[date | None]:
    """Per invoice, the first day of the weekly grid by which its expected paid share reaches one half
    (None: not within 13 weeks)."""
    shares = np.column_stack([model.share(at_horizon(snap, snap.day + timedelta(days=d))) for d in GRID_DAYS])
    out: list[date | None] = []
    for row in shares:
        hit = np.nonzero(row >= 0.5)[0]
        out.append(snap.day + timedelta(days=GRID_DAYS[hit[0]]) if len(hit) else None)
    return out
