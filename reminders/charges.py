"""Late-payment fees and interest: how much, and the proposals the dunning pass makes.

Interest
    interest = Σ over periods (overdue amount × annual rate ÷ 100 × days ÷ days in that year)

    * Days counted run from the day after (due date + grace days) through the payment date, or
      through the run / statement date while the invoice is open: a payment on day P is still owed
      on day P, so an invoice due on the 1st and paid on the 31st owes 30 days.
    * The overdue amount of a day is the open amount at the end of the day before: the invoice's
      amount less the applications (payments, credits; a reversal adds back) and write-offs dated
      before that day. Periods are split at each such movement and at every 1 January, so each day
      is divided by the length of its own year (365, or 366 in a leap year).
    * A day whose overdue amount is below the step's minimum balance earns no interest.
    * Rounding rule: every period is computed exactly (rational arithmetic on the Decimal inputs:
      no binary floats, no intermediate rounding), the periods are summed, and the total is rounded
      once to the cent, half up (ROUND_HALF_UP: 0.865 → 0.87).
    * Interest is charged on invoices only, never on a fee or an interest charge (no compounding).
      Interest already proposed (approved, waived or still to decide) is never proposed again: a
      new proposal starts the day after the last one's period_end.
    * The rate, grace days and minimum balance are those of the highest step carrying interest that
      the invoice has reached; a proposal is made on the run in which the invoice reaches such a
      step (through that day), when the invoice is closed after interest was already proposed on it
      (its last period, through the closing date), and for every open invoice past an interest step
      when proposals are run by hand for a date (the statement date: `manage.py charges_propose`
      or the button on the approvals page).

Fees
    A fixed fee (in the invoice's currency) once per invoice and step, when the dunning pass sends
    the step's reminder or hands it to the collector (a step skipped after downtime charges no fee),
    provided the invoice is still open for at least the step's minimum balance.

Charges themselves are receivables like any invoice: they are reminded by the dunning pass on
their own due date, but never attract a fee or interest of their own.
"""

import calendar
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pandas as pd
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef

from core.money import CENT, ZERO
from ledger.models import Application, Customer, Invoice, WriteOff
from reminders.eligibility import invoices_blocked_from_dunning
from reminders.models import ChargeProposal, DunningRun, InvoiceStepSent
from work.models import QueueTask
from work.services import queue_task_raise

SENT_OR_TASK = [InvoiceStepSent.Outcome.SENT, InvoiceStepSent.Outcome.TASK]


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def round_money(value: Fraction) -> Decimal:
    """Half up to the cent, on an exact value: the one rounding the interest rule allows."""
    cents = abs(value) * 100
    whole = math.floor(cents + Fraction(1, 2))
    return (Decimal(whole if value >= 0 else -whole) / 100).quantize(CENT)


@dataclass(frozen=True)
class InterestPeriod:
    """Days start..end (inclusive) on one overdue amount, within one calendar year."""

    start: date
    end: date
    overdue: Decimal
    rate: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def year_days(self) -> int:
        return days_in_year(self.start.year)

    @property
    def exact(self) -> Fraction:
        return Fraction(self.overdue) * Fraction(self.rate) * self.days / (100 * self.year_days)

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": self.days,
                "year_days": self.year_days, "overdue": str(self.overdue),
                "interest": str((Decimal(self.exact.numerator) / Decimal(self.exact.denominator)).quantize(
                    Decimal("0.000001"), rounding=ROUND_HALF_UP))}


@dataclass
class Interest:
    start: date
    end: date
    rate: Decimal
    periods: list[InterestPeriod]

    @property
    def exact(self) -> Fraction:
        return sum((p.exact for p in self.periods), Fraction(0))

    @property
    def amount(self) -> Decimal:
        return round_money(self.exact)

    @property
    def days(self) -> int:
        return sum(p.days for p in self.periods)

    def basis(self, *, grace_days: int = 0, min_balance: Decimal = ZERO) -> dict:
        return {"rate": str(self.rate), "grace_days": grace_days, "min_balance": str(min_balance),
                "days": self.days, "periods": [p.as_dict() for p in self.periods],
                "rounding": "exact sum of the periods, rounded once to the cent, half up"}


def interest_periods(*, amount: Decimal, movements, start: date, end: date, rate: Decimal,
                     min_balance: Decimal = ZERO) -> list[InterestPeriod]:
    """The periods of days start..end with their overdue amount. `movements` are (date, reduction)
    pairs: applications and write-offs reduce the amount owed from the day after their date; a
    reversal is a negative reduction."""
    if end < start:
        return []
    movements = sorted((on, Decimal(value)) for on, value in movements)
    cuts = {start, end + timedelta(days=1)}
    cuts |= {on + timedelta(days=1) for on, _ in movements if start < on + timedelta(days=1) <= end}
    cuts |= {date(year, 1, 1) for year in range(start.year + 1, end.year + 1)}
    bounds = sorted(cuts)
    periods = []
    for first, after in zip(bounds, bounds[1:], strict=False):
        overdue = amount - sum((value for on, value in movements if on < first), ZERO)
        if overdue > 0 and overdue >= min_balance:
            periods.append(InterestPeriod(first, after - timedelta(days=1), overdue, rate))
    return periods


def interest_for(*, amount: Decimal, due_date: date, rate: Decimal, through: date, movements=(),
                 grace_days: int = 0, after: date | None = None, min_balance: Decimal = ZERO) -> Interest:
    """Interest on an invoice of `amount` due on `due_date`, for the days after (due date + grace
    days) — or after `after`, the end of the last period already proposed — through `through`."""
    start = due_date + timedelta(days=grace_days + 1)
    if after is not None:
        start = max(start, after + timedelta(days=1))
    periods = interest_periods(amount=Decimal(amount), movements=movements, start=start, end=through,
                               rate=Decimal(rate), min_balance=Decimal(min_balance))
    return Interest(start=start, end=through, rate=Decimal(rate), periods=periods)


# The proposals ---------------------------------------------------------------------------------


@dataclass
class ProposalResult:
    as_of: date
    fees: int = 0
    interest: int = 0
    customers: int = 0

    @property
    def created(self) -> int:
        return self.fees + self.interest


def charges_propose(*, as_of: date, run: DunningRun | None = None) -> ProposalResult:
    """Fees and interest to approve, as of `as_of`. With the dunning `run`: the fees and interest of
    the steps that run recorded, plus the last interest of invoices closed since; without: every
    open invoice past an interest step, through `as_of` (the statement date). Each proposal has a
    unique key, so running twice proposes nothing new; each account with new proposals gets one
    "fees / interest to approve" task for its collector."""
    with transaction.atomic():
        proposals = _fee_proposals(as_of, run) + _interest_proposals(as_of, run)
        keys = [p.key for p in proposals]
        existing = set(ChargeProposal.objects.filter(key__in=keys).values_list("key", flat=True)) if keys else set()
        new = [p for p in proposals if p.key not in existing]
        ChargeProposal.objects.bulk_create(new, ignore_conflicts=True)
        _raise_approval_tasks(new, as_of)
    return ProposalResult(as_of=as_of, fees=sum(p.kind == ChargeProposal.Kind.FEE for p in new),
                          interest=sum(p.kind == ChargeProposal.Kind.INTEREST for p in new),
                          customers=len({p.customer_id for p in new}))


def _eligible(records, as_of: date, run: DunningRun | None):
    """Step records of plain, open invoices of active accounts; for a run, only its own records."""
    records = records.filter(invoice__document_type=Invoice.DocumentType.INVOICE, invoice__status=Invoice.Status.OPEN,
                             invoice__customer__status=Customer.Status.ACTIVE, on__lte=as_of)
    if run is not None:
        return records.filter(run=run)
    return records.exclude(invoice__in=invoices_blocked_from_dunning().values("pk"))


def _fee_proposals(as_of: date, run: DunningRun | None) -> list[ChargeProposal]:
    charged = ChargeProposal.objects.filter(invoice=OuterRef("invoice"), step=OuterRef("step"),
                                            kind=ChargeProposal.Kind.FEE)
    rows = (
        _eligible(InvoiceStepSent.objects.filter(step__fee_amount__gt=0, outcome__in=SENT_OR_TASK), as_of, run)
        .filter(invoice__open_amount__gte=F("step__charge_min_balance"))
        .exclude(Exists(charged))
        .order_by("invoice_id", "step_id")
        .values_list("invoice_id", "invoice__customer_id", "invoice__currency", "invoice__open_amount", "step_id",
                     "step__name", "step__fee_amount", "step__charge_min_balance")
    )
    return [
        ChargeProposal(
            customer_id=customer_id, invoice_id=invoice_id, step_id=step_id, run=run, kind=ChargeProposal.Kind.FEE,
            amount=fee, currency=currency, key=f"fee:{invoice_id}:{step_id}",
            basis={"step": step_name, "fee": str(fee), "open_amount": str(open_amount),
                   "min_balance": str(min_balance)},
        )
        for invoice_id, customer_id, currency, open_amount, step_id, step_name, fee, min_balance in rows
    ]


def _interest_candidates(as_of: date, run: DunningRun | None) -> set[int]:
    at_interest_step = InvoiceStepSent.objects.filter(step__interest_annual_rate__gt=0)
    reached = set(_eligible(at_interest_step, as_of, run).values_list("invoice_id", flat=True).distinct())
    # Closed since the last interest proposed on them: the final period, through the closing date.
    closed = (
        ChargeProposal.objects.filter(kind=ChargeProposal.Kind.INTEREST, invoice__status=Invoice.Status.PAID,
                                      invoice__closed_on__lte=as_of)
        .values("invoice_id", "invoice__closed_on").annotate(last_end=Max("period_end"))
        .filter(last_end__lt=F("invoice__closed_on")).values_list("invoice_id", flat=True)
    )
    return reached | set(closed)


def _interest_proposals(as_of: date, run: DunningRun | None) -> list[ChargeProposal]:
    """One pass over the candidates: four queries (invoices, their interest terms, the periods
    already proposed, their applications and write-offs in one UNION), then exact arithmetic."""
    ids = sorted(_interest_candidates(as_of, run))
    if not ids:
        return []
    invoices = Invoice.objects.filter(pk__in=ids).values_list(
        "pk", "customer_id", "currency", "amount", "due_date", "status", "closed_on")
    terms = pd.DataFrame(
        list(InvoiceStepSent.objects.filter(invoice_id__in=ids, step__interest_annual_rate__gt=0).values_list(
            "invoice_id", "step_id", "offset_days", "step__interest_annual_rate", "step__charge_grace_days",
            "step__charge_min_balance")),
        columns=["invoice_id", "step_id", "offset_days", "rate", "grace", "min_balance"],
    ).sort_values("offset_days").groupby("invoice_id").last()
    last_end = dict(ChargeProposal.objects.filter(invoice_id__in=ids, kind=ChargeProposal.Kind.INTEREST)
                    .values("invoice_id").annotate(last=Max("period_end")).values_list("invoice_id", "last"))
    movements = defaultdict(list)
    applied = Application.objects.filter(invoice_id__in=ids, applied_on__lte=as_of).order_by().values_list(
        "invoice_id", "applied_on", "amount")
    written = WriteOff.objects.filter(invoice_id__in=ids, written_off_on__lte=as_of).order_by().values_list(
        "invoice_id", "written_off_on", "amount")
    for invoice_id, on, value in applied.union(written, all=True):
        movements[invoice_id].append((on, value))

    proposals = []
    for invoice_id, customer_id, currency, amount, due_date, status, closed_on in invoices:
        if invoice_id not in terms.index:
            continue
        term = terms.loc[invoice_id]
        through = min(as_of, closed_on) if status == Invoice.Status.PAID and closed_on else as_of
        interest = interest_for(
            amount=amount, due_date=due_date, rate=term["rate"], through=through, movements=movements[invoice_id],
            grace_days=int(term["grace"]), after=last_end.get(invoice_id), min_balance=term["min_balance"],
        )
        if interest.amount <= 0:
            continue
        proposals.append(ChargeProposal(
            customer_id=customer_id, invoice_id=invoice_id, step_id=int(term["step_id"]), run=run,
            kind=ChargeProposal.Kind.INTEREST, amount=interest.amount, currency=currency,
            period_start=interest.start, period_end=interest.end, key=f"interest:{invoice_id}:{interest.start}",
            basis=interest.basis(grace_days=int(term["grace"]), min_balance=term["min_balance"]),
        ))
    return proposals


def _raise_approval_tasks(proposals: list[ChargeProposal], as_of: date) -> None:
    by_customer: dict[int, list[ChargeProposal]] = defaultdict(list)
    for proposal in proposals:
        by_customer[proposal.customer_id].append(proposal)
    customers = Customer.objects.in_bulk(list(by_customer))
    for customer_id, items in by_customer.items():
        totals = defaultdict(Decimal)
        for item in items:
            totals[item.currency] += item.amount
        total = ", ".join(f"{amount:,.2f} {currency}" for currency, amount in sorted(totals.items()))
        queue_task_raise(
            customer=customers[customer_id], kind=QueueTask.Kind.CHARGE_APPROVAL, due_on=as_of,
            title=f"Fees / interest to approve: {len(items)} charge(s), {total}"[:200],
            detail="Approve or waive them on the charges page.", key=f"charges:{customer_id}:{as_of.isoformat()}",
        )
