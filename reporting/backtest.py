"""Forecast accuracy (METRICS.md, "Forecast accuracy (backtest)"): for each past month M the forecast
made as of d0 = M's first day − 1, from rows dated on or before d0 only, against what was collected.

- **from open AR**: forecast(d0 → M's end) by the method against Σ cash applications dated in M to
  the invoices open at d0 (in base at the invoice's rate, as its open amount);
- **total cash**: the same plus the lines for invoices not yet issued and other receipts
  (`reporting.not_yet_issued`), against Collected(M).

Methods: `rule` (METRICS.md's rule, `reporting.forecast`, unchanged) and `model` (`reporting.pay_model`,
trained as of each d0 on labels known then; the rule's figure where history is too thin).
Error = forecast − actual; APE = |error| ÷ actual × 100 (months with actual 0 left out); MAPE = mean
APE; bias = Σ error ÷ Σ actual × 100.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from core.money import ZERO
from reporting.aging import month_ends
from reporting.cache import kept
from reporting.frames import BOOK, Scope, first_issue_date
from reporting.not_yet_issued import not_yet_issued, patterns
from reporting.pay_model import History, history, model_forecast, train

METHODS = ("rule", "model")


@dataclass
class MonthResult:
    month: str
    start: date
    end: date
    made_on: date
    method: str
    forecast: Decimal
    actual: Decimal
    forecast_total: Decimal
    actual_total: Decimal
    not_yet_issued: Decimal
    other_receipts: Decimal
    fallback: bool = False  # the model had too little history: the rule's figure
    p10: Decimal | None = None
    p90: Decimal | None = None

    @property
    def error(self) -> Decimal:
        return self.forecast - self.actual

    @property
    def error_total(self) -> Decimal:
        return self.forecast_total - self.actual_total

    def as_dict(self) -> dict:
        return {"month": self.month, "start": self.start, "end": self.end, "made_on": self.made_on,
                "method": self.method, "forecast": self.forecast, "actual": self.actual, "error": self.error,
                "p10": self.p10, "p90": self.p90, "fallback": self.fallback,
                "not_yet_issued": self.not_yet_issued, "other_receipts": self.other_receipts,
                "forecast_total": self.forecast_total, "actual_total": self.actual_total,
                "error_total": self.error_total}


def mape(errors: list[Decimal], actuals: list[Decimal]) -> Decimal | None:
    apes = [abs(e) / a * 100 for e, a in zip(errors, actuals, strict=True) if a]
    return sum(apes, Decimal(0)) / len(apes) if apes else None


def bias(errors: list[Decimal], actuals: list[Decimal]) -> Decimal | None:
    total = sum(actuals, ZERO)
    return sum(errors, ZERO) / total * 100 if total else None


@dataclass
class Backtest:
    as_of: date
    months: list[date]  # month ends, oldest first
    rows: dict[str, list[MonthResult]] = field(default_factory=dict)
    training_seconds: float = 0.0
    seconds: float = 0.0

    def summary(self, method: str) -> dict:
        rows = self.rows[method]
        errors, actuals = [r.error for r in rows], [r.actual for r in rows]
        totals, actual_totals = [r.error_total for r in rows], [r.actual_total for r in rows]
        return {"method": method, "months": len(rows), "mape": mape(errors, actuals), "bias": bias(errors, actuals),
                "mape_total": mape(totals, actual_totals), "bias_total": bias(totals, actual_totals),
                "fallback_months": sum(1 for r in rows if r.fallback)}

    def best(self) -> str:
        """The method with the lower MAPE (the rule on a tie or when nothing could be measured)."""
        scored = [(s["mape"], m) for m in self.rows if (s := self.summary(m))["mape"] is not None]
        return min(scored, key=lambda pair: (pair[0], pair[1] != "rule"))[1] if scored else "rule"

    def as_dict(self) -> dict:
        return {"as_of": self.as_of, "months": [end.strftime("%Y-%m") for end in self.months],
                "methods": {m: {**self.summary(m), "rows": [r.as_dict() for r in rows]}
                            for m, rows in self.rows.items()},
                "best": self.best(), "training_seconds": round(self.training_seconds, 2),
                "seconds": round(self.seconds, 2)}


def _dec(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def actual_from_open(hist: History, made_on: date, end: date) -> Decimal:
    """Σ cash applied in (made_on, end] to the invoices open at made_on, in base at each invoice's rate."""
    frame = hist.snapshots[made_on].frame
    if frame.empty:
        return ZERO
    if hist.cash is None:
        return ZERO
    cash = hist.cash[(hist.cash["on"] > made_on) & (hist.cash["on"] <= end)]
    by_invoice = cash.groupby("invoice_id")["cents"].sum()
    rates = dict(zip(frame["invoice_id"], frame["rate"], strict=True))
    return sum((Decimal(int(c)).scaleb(-2) * rates[i] for i, c in by_invoice.items() if i in rates), ZERO)


def rule_forecast(hist: History, made_on: date, end: date) -> Decimal:
    """METRICS.md's Forecast(d0, end): Σ open amount of the invoices predicted in d0 < date ≤ end."""
    frame = hist.snapshots[made_on].frame
    if frame.empty:
        return ZERO
    inside = frame[(frame["predicted"] > made_on) & (frame["predicted"] <= end)]
    return sum(inside["open_base"], ZERO)


def run(*, as_of: date, months: int = 12, methods: Sequence[str] = METHODS, scope: Scope = BOOK,
        hist: History | None = None) -> Backtest:
    """The backtest over the `months` complete months ending on or before `as_of` (`hist`: the
    snapshots already read, covering those months' d0 days)."""
    started = time.perf_counter()
    ends = month_ends(as_of, months)
    made = [end.replace(day=1) - timedelta(days=1) for end in ends]
    if hist is None:
        begins = first_issue_date(scope) or made[0]
        first = max(begins, made[0] - relativedelta(months=12))
        hist = history(min(first, made[0]), made[-1], scope, extra_days=made)
    found = patterns(made[0] - relativedelta(months=13), ends[-1], scope)
    result = Backtest(as_of=as_of, months=ends, rows={m: [] for m in methods})
    for day, end in zip(made, ends, strict=True):
        start = end.replace(day=1)
        actual = actual_from_open(hist, day, end)
        received = found.received
        actual_total = _dec(float(received[(received["on"] >= start) & (received["on"] <= end)]["base"].sum())) \
            if not received.empty else ZERO
        extra = not_yet_issued(found, day, end)
        new, other = _dec(extra.from_new_invoices), _dec(extra.other_receipts)
        rule = rule_forecast(hist, day, end)
        for method in methods:
            row = MonthResult(month=start.strftime("%Y-%m"), start=start, end=end, made_on=day, method=method,
                              forecast=rule, actual=actual, forecast_total=rule + new + other,
                              actual_total=actual_total, not_yet_issued=new, other_receipts=other)
            if method == "model":
                model = train(hist, day)
                if model is None:
                    row.fallback = True
                else:
                    result.training_seconds += model.seconds
                    made_forecast = model_forecast(model, hist.snapshots[day], end)
                    row.forecast = _dec(made_forecast.expected)
                    row.p10, row.p90 = _dec(made_forecast.p10), _dec(made_forecast.p90)
                    row.forecast_total = row.forecast + new + other
            result.rows[method].append(row)
    result.seconds = time.perf_counter() - started
    return result


@kept
def backtest(*, as_of: date, months: int = 12, method: str | None = None, collector: object = None,
             segment: str | None = None, currency: str | None = None) -> Backtest:
    """The backtest of one method or all, kept for the pages (`reporting.cache`)."""
    methods = (method,) if method else METHODS
    return run(as_of=as_of, months=months, methods=methods, scope=Scope(collector, segment, currency))
