"""Month-end collection forecast (METRICS.md) and cash collected.

Each invoice open at D gets a predicted pay date: in a payment plan live at D, the date of the installment
that completes it (a choice beyond METRICS.md, see `_plan_dates`); else the promised date under an open
promise; else, when disputed, due date + the dispute cycle time for its root cause + the customer's
weighted average days late; else due date + the customer's weighted average days late. The offset is
rounded once, to the nearest whole day, halves away from zero. Forecast(D, E) sums invoices predicted in D < date ≤ E;
those predicted on or before D are at risk, shown beside the forecast.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, Q

from core.money import ZERO
from ledger.touch import touches_on_or_before
from reporting.aging import month_ends
from reporting.behaviour import PaymentBehaviour, payment_behaviour, window_start
from reporting.cache import kept
from reporting.frames import (
    BOOK,
    Scope,
    closed_invoices,
    date_ordinals,
    decimal_sums,
    open_invoices,
    open_invoices_at,
    ordinal_dates,
    payments_received,
)
from reporting.models import MonthForecast
from work.models import Dispute, PromiseToPay
from work.plans.models import PaymentPlan, PlanInstallment

DEFAULT_DISPUTE_DAYS = Decimal(30)


def month_end(day: date) -> date:
    return day + relativedelta(day=31)


def round_days(offset: Decimal) -> int:
    """Nearest whole day, halves away from zero (ROUND_HALF_UP rounds .5 away from zero)."""
    return int(Decimal(offset).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class DisputeCycle:
    """Mean days from opened to resolved over disputes resolved in the 12 months before D."""

    by_root_cause: dict[str, Decimal]
    overall: Decimal | None

    def days(self, root_cause: str) -> Decimal:
        if root_cause in self.by_root_cause:
            return self.by_root_cause[root_cause]
        return self.overall if self.overall is not None else DEFAULT_DISPUTE_DAYS


def resolved_disputes(start: date, end: date) -> pd.DataFrame:
    rows = Dispute.objects.filter(resolved_on__range=(start, end)).order_by().values_list(
        "root_cause", "opened_on", "resolved_on")
    return pd.DataFrame.from_records(list(rows), columns=["root_cause", "opened_on", "resolved_on"])


def dispute_cycle(as_of: date, resolved: pd.DataFrame | None = None) -> DisputeCycle:
    """Mean dispute cycle time by root cause and overall, over disputes resolved in the 12 months
    before D. One query, or none when `resolved` covers that window."""
    start = window_start(as_of)
    if resolved is None:
        frame = resolved_disputes(start, as_of)
    else:
        frame = resolved[(resolved["resolved_on"] >= start) & (resolved["resolved_on"] <= as_of)].copy()
    if frame.empty:
        return DisputeCycle(by_root_cause={}, overall=None)
    frame["days"] = [Decimal((r - o).days) for o, r in zip(frame["opened_on"], frame["resolved_on"], strict=True)]
    by_cause = frame.groupby("root_cause")["days"].agg(lambda s: sum(s, Decimal(0)) / len(s)).to_dict()
    return DisputeCycle(by_root_cause=by_cause, overall=sum(frame["days"], Decimal(0)) / len(frame))


def _promised_dates(as_of: date, scope: Scope) -> dict[int, date]:
    """Invoice → promised date of the latest promise still open at the end of D."""
    links = PromiseToPay.invoices.through.objects.filter(
        Q(promisetopay__status=PromiseToPay.Status.OPEN)
        | Q(promisetopay__status__in=[PromiseToPay.Status.KEPT, PromiseToPay.Status.PARTIALLY_KEPT,
                                       PromiseToPay.Status.BROKEN], promisetopay__settled_on__gt=as_of),
        promisetopay__created_at__date__lte=as_of,
    )
    rows = (scope.filter(links, customer="invoice__customer", currency_field="invoice__currency")
            .order_by("promisetopay__created_at", "promisetopay_id")
            .values_list("invoice_id", "promisetopay__pay_by"))
    return dict(rows)


def _plan_dates(as_of: date, frame: pd.DataFrame) -> dict[int, date]:
    """Invoice → the installment date by which a payment plan live at the end of D expects it paid.

    The plan's installments are cumulated in order. Its open invoices (oldest due first, at their
    open amount at D) are laid end to end after what the plan has already received, and each is
    predicted on the first installment whose cumulative amount covers its last cent. Two queries."""
    live_then = Q(paymentplan__status__in=[PaymentPlan.Status.ACTIVE, PaymentPlan.Status.BROKEN]) | Q(
        paymentplan__ended_on__gt=as_of)
    links = list(PaymentPlan.invoices.through.objects.filter(live_then, paymentplan__created_at__date__lte=as_of)
                 .order_by("paymentplan_id", "invoice__due_date", "invoice_id")
                 .values_list("paymentplan_id", "paymentplan__total_amount", "invoice_id"))
    if not links or frame.empty:
        return {}
    schedule: dict[int, list[tuple[Decimal, date]]] = {}
    for plan_id, due_on, amount in PlanInstallment.objects.filter(
            plan_id__in={plan_id for plan_id, _, _ in links}).order_by("plan_id", "number").values_list(
            "plan_id", "due_on", "amount"):
        steps = schedule.setdefault(plan_id, [])
        steps.append(((steps[-1][0] if steps else ZERO) + amount, due_on))
    open_at = dict(zip(frame["invoice_id"], frame["open"], strict=True))
    dates: dict[int, date] = {}
    by_plan: dict[int, list] = {}
    for plan_id, total, invoice_id in links:
        by_plan.setdefault(plan_id, [total, []])[1].append(invoice_id)
    for plan_id, (total, invoice_ids) in by_plan.items():
        steps = schedule.get(plan_id)
        if not steps:
            continue
        position = total - sum((open_at.get(i, ZERO) for i in invoice_ids), ZERO)  # already received
        for invoice_id in invoice_ids:
            if invoice_id not in open_at:
                continue
            position += open_at[invoice_id]
            dates[invoice_id] = next((due for cumulative, due in steps if cumulative >= position), steps[-1][1])
    return dates


def _disputed(as_of: date, scope: Scope) -> dict[int, str]:
    """Invoice → root cause of the latest dispute open at the end of D."""
    links = Dispute.invoices.through.objects.filter(dispute__opened_on__lte=as_of).filter(
        Q(dispute__resolved_on__gt=as_of) | Q(dispute__resolved_on__isnull=True, dispute__status__in=[
            Dispute.Status.OPEN, Dispute.Status.IN_REVIEW])
    )
    rows = (scope.filter(links, customer="invoice__customer", currency_field="invoice__currency")
            .order_by("dispute__opened_on", "dispute_id")
            .values_list("invoice_id", "dispute__root_cause"))
    return dict(rows)


@dataclass
class ForecastReport:
    as_of: date
    horizon_end: date
    forecast: Decimal
    at_risk: Decimal
    beyond: Decimal
    weeks: list[dict] = field(default_factory=list)
    by_collector: list[dict] = field(default_factory=list)
    at_risk_invoices: list[dict] = field(default_factory=list)
    invoices: pd.DataFrame | None = None

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of, "horizon_end": self.horizon_end, "forecast": self.forecast, "at_risk": self.at_risk,
            "beyond": self.beyond, "weeks": self.weeks, "by_collector": self.by_collector,
            "at_risk_invoices": self.at_risk_invoices,
        }


def predict(frame: pd.DataFrame, as_of: date, scope: Scope, behaviour: PaymentBehaviour | None = None,
            cycle: DisputeCycle | None = None) -> pd.DataFrame:
    """Add `predicted` (pay date) and `basis` (promise / dispute / history) to an open-invoice frame
    (`predicted_days`)."""
    return predicted_days(frame, as_of, scope, behaviour, cycle)[0]


def predicted_days(frame: pd.DataFrame, as_of: date, scope: Scope, behaviour: PaymentBehaviour | None = None,
                   cycle: DisputeCycle | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """The frame with `predicted` (pay date) and `basis` (promise / dispute / history), and the
    predicted dates as ordinals (int64, row for row), which the forecast and the model use as they are.

    Most invoices are predicted from their customer's history alone: their dates are computed as
    whole-day ordinals for the frame at once (a customer's rounded days late added to each due
    date), and only the invoices under a plan, a promise or a dispute are taken one by one."""
    behaviour = behaviour or payment_behaviour(as_of)
    cycle = cycle or dispute_cycle(as_of)
    promised, disputed = _promised_dates(as_of, scope), _disputed(as_of, scope)
    planned = _plan_dates(as_of, frame)
    # A customer's rounded days late, once per customer rather than once per invoice (the same value).
    history = {customer_id: round_days(row["days_late"]) for customer_id, row in behaviour.customers.items()}
    book = round_days(behaviour.book_days_late)
    offsets = frame["customer_id"].map(history).fillna(book) if history else pd.Series(book, index=frame.index)
    ordinals = date_ordinals(frame["due_date"]) + offsets.to_numpy(dtype="int64")
    basis = np.full(len(frame), "payment history", dtype=object)
    exceptions = planned.keys() | promised.keys() | disputed.keys()
    for position, invoice_id in enumerate(frame["invoice_id"].tolist() if exceptions else []):
        if invoice_id not in exceptions:
            continue
        if invoice_id in planned:
            day, basis[position] = planned[invoice_id], "payment plan"
        elif invoice_id in promised:
            day, basis[position] = promised[invoice_id], "promise"
        else:
            offset = cycle.days(disputed[invoice_id]) + behaviour.days_late(frame["customer_id"].iat[position])
            day = frame["due_date"].iat[position] + timedelta(days=round_days(offset))
            basis[position] = f"dispute: {disputed[invoice_id]}"
        ordinals[position] = day.toordinal()
    frame = frame.copy(deep=False)  # the caller's frame keeps its columns (copy-on-write)
    frame["predicted"] = pd.Series(ordinal_dates(ordinals), index=frame.index, dtype=object)
    frame["basis"] = pd.Series(basis, index=frame.index, dtype=object)
    return frame, ordinals


def _weeks(as_of: date, horizon_end: date, days: np.ndarray, amounts: list[Decimal]) -> list[dict]:
    """Σ and count per week (Monday to Sunday, cut at D + 1 and at the horizon) of the invoices
    predicted inside the horizon, given their predicted days as ordinals and their amounts in base."""
    weeks, start = [], as_of + timedelta(days=1)
    while start <= horizon_end:
        end = min(start + timedelta(days=6 - start.weekday()), horizon_end)
        within = np.flatnonzero((days >= start.toordinal()) & (days <= end.toordinal())).tolist()
        weeks.append({"start": start, "end": end, "amount": sum((amounts[i] for i in within), ZERO),
                      "invoices": len(within)})
        start = end + timedelta(days=1)
    return weeks


def _by_collector(inside: pd.DataFrame, risky: pd.DataFrame) -> list[dict]:
    """Per collector (by name): the forecast and its invoices, and what is at risk; one pass over each."""
    rows: dict[str, dict] = {}
    for part, key in ((inside, "forecast"), (risky, "at_risk")):
        if part.empty:
            continue
        counts = part.groupby("collector", sort=False).size()
        for name, amount in decimal_sums(part, "collector", "open_base").items():
            row = rows.setdefault(name, {"collector": name, "forecast": ZERO, "invoices": 0, "at_risk": ZERO})
            row[key] = amount
            if key == "forecast":
                row["invoices"] = int(counts[name])
    return [rows[name] for name in sorted(rows)]


AT_RISK_COLUMNS = ["invoice_id", "invoice", "customer_id", "customer", "collector", "currency", "open", "open_base",
                   "due_date", "days_past_due", "predicted", "basis"]


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """`frame[columns].to_dict("records")`, column by column (numpy numbers as Python ones, as pandas
    gives them), without pandas' per-cell boxing."""
    return [dict(zip(columns, row, strict=True)) for row in zip(*(frame[c].tolist() for c in columns), strict=True)]


def forecast(*, as_of: date, horizon_end: date | None = None, collector=None, segment: str | None = None,
             currency: str | None = None) -> ForecastReport:
    """Expected collections from the day after D to the horizon (default: the end of D's month), by
    week and by collector, with the at-risk invoices beside it."""
    # The default horizon spelled out, so the targets page (which passes the month's end) and the
    # forecast page (which passes none) keep one figure, not two.
    return forecast_to(as_of=as_of, horizon_end=horizon_end or month_end(as_of), collector=collector,
                       segment=segment, currency=currency)


@kept
def forecast_to(*, as_of: date, horizon_end: date, collector=None, segment: str | None = None,
                currency: str | None = None) -> ForecastReport:
    scope = Scope(collector=collector, segment=segment, currency=currency)
    return forecast_of(open_invoices(as_of, scope), as_of=as_of, horizon_end=horizon_end, scope=scope)


def forecast_of(open_frame: pd.DataFrame, *, as_of: date, horizon_end: date | None, scope: Scope,
                behaviour: PaymentBehaviour | None = None, cycle: DisputeCycle | None = None) -> ForecastReport:
    horizon_end = horizon_end or month_end(as_of)
    if horizon_end < as_of:
        raise ValueError("The horizon must not end before the as-of date.")
    frame, days = predicted_days(open_frame, as_of, scope, behaviour, cycle)
    inside_mask = (days > as_of.toordinal()) & (days <= horizon_end.toordinal())
    risky_mask, beyond_mask = days <= as_of.toordinal(), days > horizon_end.toordinal()
    inside, risky = frame[inside_mask], frame[risky_mask]
    inside_amounts = inside["open_base"].tolist()
    at_risk_rows = risky.sort_values(["open_base", "invoice"], ascending=[False, True])
    return ForecastReport(
        as_of=as_of, horizon_end=horizon_end, forecast=sum(inside_amounts, ZERO),
        at_risk=sum(risky["open_base"].tolist(), ZERO), beyond=sum(frame.loc[beyond_mask, "open_base"].tolist(), ZERO),
        weeks=_weeks(as_of, horizon_end, days[inside_mask], inside_amounts), by_collector=_by_collector(inside, risky),
        at_risk_invoices=_records(at_risk_rows, AT_RISK_COLUMNS),
        invoices=frame,
    )


def collected(start: date, end: date, collector=None, segment: str | None = None, currency: str | None = None
              ) -> Decimal:
    """Cash received in start..end (applied or not), in base; bounced (reversed) payments left out."""
    return sum(payments_received(start, end, Scope(collector, segment, currency))["base"], ZERO)


@kept
def collected_by_collector(start: date, end: date, collector=None, segment=None, currency=None) -> dict[str, Decimal]:
    frame = payments_received(start, end, Scope(collector, segment, currency))
    if frame.empty:
        return {}
    return frame.groupby("collector")["base"].agg(lambda s: sum(s, ZERO)).to_dict()


@kept
def forecast_vs_actual(*, as_of: date, months: int = 6, collector=None, segment=None, currency=None) -> list[dict]:
    """For each of the last `months` full months: the forecast made at the close of the month before
    (as of its last day, to the month's end) against the cash actually collected in the month.
    A closed month of the whole book is a stored fact (`MonthForecast`, current unless a back-dated
    write is pending); the other months are computed, the ledger, closed invoices and resolved
    disputes each read once for all of them."""
    scope = Scope(collector, segment, currency)
    ends = month_ends(as_of, months)  # complete months only: D's own month counts once D is its last day
    stored = stored_months(ends) if scope == BOOK else {}
    computed = months_computed([end for end in ends if end not in stored], scope)
    return [stored.get(end) or computed[end] for end in ends]


def versus_row(start: date, end: date, forecast: Decimal, at_risk: Decimal, actual: Decimal) -> dict:
    return {"month": start.strftime("%Y-%m"), "start": start, "end": end, "forecast": forecast, "at_risk": at_risk,
            "actual": actual, "difference": actual - forecast}


def stored_months(ends: list[date]) -> dict[date, dict]:
    """{month end: row} of the months stored as facts and still current (no pending ledger write dated
    on or before the month's end: that month is recomputed until it is retaken). One query."""
    rows = MonthForecast.objects.filter(ends_on__in=ends).exclude(
        Exists(touches_on_or_before(OuterRef("ends_on"))))
    return {r.ends_on: versus_row(r.month, r.ends_on, r.forecast, r.at_risk, r.actual) for r in rows}


def months_computed(ends: list[date], scope: Scope = BOOK) -> dict[date, dict]:
    """{month end: row} computed from the ledger for the months ending on `ends`."""
    if not ends:
        return {}
    made_on = [end.replace(day=1) - timedelta(days=1) for end in ends]
    frames = open_invoices_at(made_on, scope)
    closed = closed_invoices(window_start(made_on[0]), made_on[-1])
    resolved = resolved_disputes(window_start(made_on[0]), made_on[-1])
    received = payments_received(ends[0].replace(day=1), ends[-1], scope)
    rows = {}
    for day, end in zip(made_on, ends, strict=True):
        start = end.replace(day=1)
        made = forecast_of(frames[day], as_of=day, horizon_end=end, scope=scope,
                           behaviour=payment_behaviour(day, closed), cycle=dispute_cycle(day, resolved))
        actual = sum(received.loc[(received["on"] >= start) & (received["on"] <= end), "base"], ZERO) \
            if not received.empty else ZERO
        rows[end] = versus_row(start, end, made.forecast, made.at_risk, actual)
    return rows
