"""A learned pay-date model: the share of each open invoice the book collects by a horizon.

The rule (`reporting.forecast`) gives each open invoice one date. This model learns from the book's
own history what happened to invoices in the same position: at past snapshot days `d` (every month
end and the 15th), each invoice open then is one row per horizon (the next month ends, up to three),
its label the share of its open amount paid in cash in `d < day ≤ horizon`. Its features are known at
`d`: amount, open share, terms, age, days past due, the customer's and family's weighted days late
and how many invoices they closed (METRICS.md's 12-month window), the rule's own predicted date and
its basis (plan, promise, dispute, history), the segment, the due date's weekday and day of month,
the horizon (monotone: more time never lowers the share), and the customer's own conditional pay-date
distribution: of its invoices closed in the 12 months before `d` that were still open as long after
their due date as this one, the share that closed by the horizon (`LateDays`; the book's likewise). A
`HistGradientBoostingRegressor` (squared error, weighted by open amount) learns the expected share.

Trained as of `D`, only rows whose horizon ended on or before `D` are used: every label is known at
`D` and nothing dated after it is read (no leakage). With fewer than FORECAST_MODEL_MIN_CLOSED
invoices closed by `D` there is no model and the forecast falls back to the rule.

Per invoice the model gives the probability of being paid by the horizon and a predicted pay date
(the first day the expected share reaches one half, on a weekly grid out to 13 weeks). The expected
amount is Σ open × probability; its P10–P90 range treats invoices as independent (normal
approximation of Σ open × Bernoulli(p)).
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

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
from reporting.forecast import dispute_cycle, month_end, predicted_days, resolved_disputes
from reporting.frames import BOOK, Scope, closed_invoices, open_invoices_at

BASES = ("payment history", "promise", "payment plan", "dispute")
FEATURES = [
    "log_open", "open_share", "terms", "age", "past_due", "horizon_days", "due_to_horizon", "rule_to_horizon",
    "rule_offset", "customer_late", "customer_closed", "family_late", "basis", "segment", "due_weekday",
    "due_day", "book_late", "since_paid", "weekday_regular", "rolled_to_horizon", "pay_days_left",
    "customer_by_horizon", "customer_still_open", "book_by_horizon",
]
EARLIER_FEATURES = FEATURES[:21]  # what a model stored before the late-day features were added reads
CATEGORICAL = ["basis", "segment"]
HORIZONS = 3  # month ends after a snapshot day used as training horizons
GRID_DAYS = [7 * k for k in range(1, 14)]  # the weekly grid of predicted pay dates
MAX_ROWS = 60_000  # rows a fit reads at most (a random sample on a big book): bounded training
# Open invoices a training snapshot keeps at most: a random sample of a big book's day, taken before
# any per-invoice work (the large book has 100,000 open a day; 25 days of them took minutes). The
# days a forecast is made on are always whole. The demo book never has this many open.
SNAPSHOT_ROWS = 12_000
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


EMPTY_CASH = pd.DataFrame({"invoice_id": pd.Series(dtype="int64"), "customer_id": pd.Series(dtype="int64"),
                           "on": pd.Series(dtype=object), "cents": pd.Series(dtype="int64")})


def _days(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return np.array([(a - b).days for a, b in zip(later, earlier, strict=True)], dtype="float64")


SHIFT, SPAN = 2000, 5000  # days late are clipped to -SHIFT..SPAN-SHIFT-1 to key them per customer


@dataclass
class LateDays:
    """Days late (closing − due) of the invoices closed in the 12 months up to a day, sorted per customer
    (`keys`: customer code × SPAN + days late + SHIFT) and for the whole book, to ask per open invoice:
    of the invoices that were still open this many days after their due date, which share closed by the
    horizon (an empirical, conditional pay-date distribution)."""

    customers: pd.Index
    keys: np.ndarray
    book: np.ndarray

    @classmethod
    def of(cls, day: date, closed: pd.DataFrame | None) -> "LateDays":
        if closed is None or closed.empty:
            return cls(pd.Index([], dtype="int64"), np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64"))
        rows = closed[(closed["closed_on"] >= window_start(day)) & (closed["closed_on"] <= day)]
        late = np.clip(rows["days_late"].to_numpy(dtype="int64"), -SHIFT, SPAN - SHIFT - 1) + SHIFT
        customers = pd.Index(sorted(set(rows["customer_id"])))
        codes = customers.get_indexer(rows["customer_id"]).astype("int64")
        return cls(customers, np.sort(codes * SPAN + late), np.sort(late))

    def conditional(self, customer_ids: pd.Series, elapsed: np.ndarray, horizon: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per invoice (its customer, days since due at the snapshot and at the horizon): the customer's
        share of closed invoices later than `elapsed` that closed by `horizon` (NaN with none), how many
        were later than `elapsed`, and the book's share."""
        lo = np.clip(elapsed.astype("int64"), -SHIFT, SPAN - SHIFT - 1) + SHIFT
        hi = np.clip(horizon.astype("int64"), -SHIFT, SPAN - SHIFT - 1) + SHIFT
        codes = self.customers.get_indexer(pd.Index(customer_ids)).astype("int64")
        known = codes >= 0
        base = np.where(known, codes, 0) * SPAN
        first = np.searchsorted(self.keys, base + SPAN, side="left")
        after = np.where(known, first - np.searchsorted(self.keys, base + lo, side="right"), 0)
        by = np.where(known, np.searchsorted(self.keys, base + hi, side="right")
                      - np.searchsorted(self.keys, base + lo, side="right"), 0)
        share = np.divide(by, after, out=np.full(len(lo), np.nan), where=after > 0)
        book_after = len(self.book) - np.searchsorted(self.book, lo, side="right")
        book_by = np.searchsorted(self.book, hi, side="right") - np.searchsorted(self.book, lo, side="right")
        book = np.divide(book_by, book_after, out=np.full(len(lo), np.nan), where=book_after > 0)
        return share, after.astype("float64"), book


@dataclass
class Snapshot:
    """The invoices open at the end of `day`, with the features known then (horizon-free ones)."""

    day: date
    frame: pd.DataFrame
    late_days: LateDays | None = None


def pay_habits(day: date, cash: pd.DataFrame | None) -> pd.DataFrame:
    """Per customer, from cash applied on or before `day` only: the days since its last payment, the
    weekday it pays on most (its payment run) and the share of its payment days on that weekday."""
    columns = ["since_paid", "pay_weekday", "weekday_regular"]
    if cash is None or cash.empty:
        return pd.DataFrame(columns=columns, dtype="float64")
    paid = cash[cash["on"] <= day][["customer_id", "on"]].drop_duplicates()
    if paid.empty:
        return pd.DataFrame(columns=columns, dtype="float64")
    ordinals = np.array([d.toordinal() for d in paid["on"]], dtype="int64")
    paid = paid.assign(ordinal=ordinals, weekday=(ordinals + 6) % 7)  # date.weekday() from the ordinal
    last = paid.groupby("customer_id")["ordinal"].max()
    counts = paid.groupby(["customer_id", "weekday"]).size().unstack(fill_value=0)
    out = pd.DataFrame({"since_paid": (day.toordinal() - last).astype("float64"),
                        "pay_weekday": counts.idxmax(axis=1).astype("float64"),
                        "weekday_regular": (counts.max(axis=1) / counts.sum(axis=1)).astype("float64")})
    return out


def rolled_ordinals(predicted: list[date], weekday: np.ndarray) -> np.ndarray:
    """The rule's dates moved on to each customer's payment-run weekday (as they are, without one), as
    ordinals."""
    ordinals = np.array([p.toordinal() for p in predicted], dtype="int64")
    shift = np.where(np.isnan(weekday), 0, (np.nan_to_num(weekday) - (ordinals + 6) % 7) % 7)
    return ordinals + shift.astype("int64")


def snapshot(day: date, open_frame: pd.DataFrame, scope: Scope, closed: pd.DataFrame,
             resolved: pd.DataFrame, cash: pd.DataFrame | None = None) -> Snapshot:
    """Features of the invoices open at `day`, from rows dated on or before it only (`cash`: cash
    applications, of which only those dated on or before `day` are read)."""
    behaviour = payment_behaviour(day, closed)
    frame, predicted_ordinals = predicted_days(open_frame, day, scope, behaviour, dispute_cycle(day, resolved))
    if frame.empty:
        return Snapshot(day, frame.assign(**{name: pd.Series(dtype="float64")
                                             for name in [*FEATURES, "pay_weekday", "rolled_ordinal", "due_ordinal",
                                                          "predicted_ordinal"]}))
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
    habits = pay_habits(day, cash)
    frame["since_paid"] = frame["customer_id"].map(habits["since_paid"]).astype("float64")
    frame["weekday_regular"] = frame["customer_id"].map(habits["weekday_regular"]).fillna(0).astype("float64")
    frame["pay_weekday"] = frame["customer_id"].map(habits["pay_weekday"]).astype("float64")
    frame["rolled_ordinal"] = rolled_ordinals(list(frame["predicted"]), frame["pay_weekday"].to_numpy())
    frame["due_ordinal"] = np.array([d.toordinal() for d in frame["due_date"]], dtype="int64")
    frame["predicted_ordinal"] = predicted_ordinals
    return Snapshot(day, frame, LateDays.of(day, closed))


def at_horizon(snap: Snapshot, horizon_end: date) -> pd.DataFrame:
    """The snapshot's rows with the horizon's features."""
    frame = snap.frame.copy()
    frame["horizon_end"] = horizon_end
    frame["snap_day"] = snap.day
    frame["horizon_days"] = float((horizon_end - snap.day).days)
    end = horizon_end.toordinal()
    if "due_ordinal" in frame:  # whole days as ordinals: no date arithmetic per row
        frame["due_to_horizon"] = end - frame["due_ordinal"].to_numpy(dtype="int64")
        frame["rule_to_horizon"] = end - frame["predicted_ordinal"].to_numpy(dtype="int64")
    else:
        frame["due_to_horizon"] = [(horizon_end - d).days for d in frame["due_date"]]
        frame["rule_to_horizon"] = [(horizon_end - p).days for p in frame["predicted"]]
    frame["rolled_to_horizon"] = (end - frame["rolled_ordinal"]).astype("float64")
    # How many of the customer's payment-run weekdays fall in (day, horizon] (all days, without one).
    span = end - snap.day.toordinal()
    weekday = frame["pay_weekday"].to_numpy()
    first = np.where(np.isnan(weekday), 1, (np.nan_to_num(weekday) - (snap.day.toordinal() + 1 + 6) % 7) % 7 + 1)
    runs = np.where(first <= span, (span - first) // 7 + 1, 0)
    frame["pay_days_left"] = np.where(np.isnan(weekday), span, runs).astype("float64")
    late_days = snap.late_days or LateDays.of(snap.day, None)
    due = frame["due_ordinal"].to_numpy(dtype="int64") if "due_ordinal" in frame else np.zeros(len(frame), "int64")
    share, after, book = late_days.conditional(frame["customer_id"], snap.day.toordinal() - due, end - due)
    frame["customer_by_horizon"], frame["customer_still_open"], frame["book_by_horizon"] = share, after, book
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
            if len(snap.frame) > SNAPSHOT_ROWS:  # a whole day (a forecast's): trained on a sample like the rest
                snap = Snapshot(day, snap.frame.sample(n=SNAPSHOT_ROWS, random_state=day.toordinal()), snap.late_days)
            for end in horizons:
                if day < end <= as_of and (end - day).days <= 31 * HORIZONS:
                    parts.append(labelled(snap, end, self.cash if self.cash is not None else EMPTY_CASH))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*FEATURES, "label"])


def history(first: date, last: date, scope: Scope = BOOK, extra_days: Sequence[date] = ()) -> History:
    """The snapshots from `first` to `last` (and any `extra_days`, always whole: forecasts are made
    on them; the others of a big book are samples of SNAPSHOT_ROWS), the cash applied and the closed
    invoices over the span. A fixed number of queries per snapshot day (behaviour and the rule's
    promises, disputes and plans), plus four."""
    days = sorted(set(snapshot_days(first, last)) | set(extra_days))
    frames = open_invoices_at(days, scope, sample=SNAPSHOT_ROWS, whole=extra_days)
    closed = closed_invoices(window_start(days[0]), days[-1])
    resolved = resolved_disputes(window_start(days[0]), days[-1])
    cash = cash_applied(window_start(days[0]), month_end(days[-1] + relativedelta(months=HORIZONS)), scope)
    out = History(scope=scope, cash=cash, closed=closed)
    for day in days:
        out.snapshots[day] = snapshot(day, frames[day], scope, closed, resolved, cash)
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
    factor: float = 1.0  # a scale on every share (1; models stored by earlier versions were calibrated)

    @property
    def features(self) -> list[str]:
        """The features it was fitted on (a model stored by an earlier version has fewer)."""
        return FEATURES if self.estimator.n_features_in_ == len(FEATURES) else EARLIER_FEATURES

    def matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        x = frame[self.features if hasattr(self.estimator, "n_features_in_") else FEATURES].copy()
        x["segment"] = [self.segments.index(s) if s in self.segments else -1 for s in frame["segment"]]
        x["segment"] = x["segment"].where(x["segment"] >= 0, np.nan)
        return x.astype("float64")

    def share(self, frame: pd.DataFrame) -> np.ndarray:
        if frame.empty:
            return np.zeros(0)
        with threadpool_limits(limits=1):
            raw = self.estimator.predict(self.matrix(frame))
        return np.clip(raw * getattr(self, "factor", 1.0), 0.0, 1.0)


PARAMS = {"max_iter": 120, "learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 40,
          "l2_regularization": 1.0}
MONOTONE = ("horizon_days", "rule_to_horizon", "due_to_horizon", "rolled_to_horizon", "pay_days_left",
            "customer_by_horizon", "book_by_horizon")


def _fit(rows: pd.DataFrame, segments: list[str], as_of: date, seed: int) -> TrainedModel:
    estimator = HistGradientBoostingRegressor(
        loss="squared_error", categorical_features=[FEATURES.index(c) for c in CATEGORICAL],
        monotonic_cst=[1 if name in MONOTONE else 0 for name in FEATURES], random_state=seed,
        early_stopping=False, **PARAMS)
    model = TrainedModel(as_of=as_of, estimator=estimator, segments=segments, rows=len(rows), seconds=0.0,
                         params=dict(PARAMS))
    # Weighted by open amount: the forecast is Σ open × share, so the fit is of amounts.
    weights = np.maximum(rows["open_base_f"].to_numpy(dtype="float64"), 0.01)
    with threadpool_limits(limits=1):  # one thread: OpenMP's spinning threads crawl on a busy machine
        estimator.fit(model.matrix(rows), rows["label"].to_numpy(dtype="float64"), sample_weight=weights)
    return model


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
    model = _fit(rows, hist.segments, as_of, seed)
    model.seconds = time.perf_counter() - started
    return model


@dataclass
class ModelForecast:
    as_of: date
    horizon_end: date
    expected: float
    p10: float
    p90: float
    invoices: pd.DataFrame  # invoice_id, probability, predicted_date, open_base, collector

    def by_collector(self) -> dict[str, Decimal]:
        """The expected amount (Σ open × probability) per collector (username, "(unassigned)")."""
        if self.invoices.empty:
            return {}
        expected = pd.DataFrame({"collector": self.invoices["collector"].to_numpy(),
                                 "amount": [float(v) for v in self.invoices["open_base"]]
                                 * self.invoices["probability"].to_numpy(dtype="float64")})
        sums = expected.groupby("collector")["amount"].sum()
        return {str(name): Decimal(str(round(float(v), 2))) for name, v in sums.items()}


def model_forecast(model: TrainedModel, snap: Snapshot, horizon_end: date) -> ModelForecast:
    """Expected collections in (D, horizon] from the invoices open at D, its P10–P90 range, and per
    invoice the probability of being paid by the horizon and the predicted pay date."""
    frame = at_horizon(snap, horizon_end)
    if frame.empty:
        empty = pd.DataFrame(columns=["invoice_id", "probability", "predicted_date", "open_base", "collector"])
        return ModelForecast(snap.day, horizon_end, 0.0, 0.0, 0.0, empty)
    prob = model.share(frame)
    amount = frame["open_base_f"].to_numpy(dtype="float64")
    expected = float((amount * prob).sum())
    spread = float(np.sqrt((amount ** 2 * prob * (1 - prob)).sum()))
    dates = predicted_dates(model, snap)
    invoices = pd.DataFrame({"invoice_id": frame["invoice_id"].to_numpy(), "probability": prob,
                             "predicted_date": dates, "open_base": frame["open_base"].to_numpy(),
                             "collector": frame["collector"].to_numpy()})
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
