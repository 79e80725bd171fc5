"""The invoices of one demo account over the history (two years by default), paid the way the account pays.

Everything is decided in memory first: each invoice's moves (payments, credits, write-offs) up to
the as-of date, and from them its open amount, status and closing date, exactly as the services
would have left them, so `manage.py check_ledger` finds nothing to correct.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from devtools.demo.accounts import Account
from ledger.models import Application, CreditNote, Invoice, Payment, WriteOff
from work.models import Dispute

CENT = Decimal("0.01")
# root cause → (owner, share of the invoice disputed (low, high), weight)
DISPUTE_CAUSES = {
    Dispute.RootCause.PRICING: (Dispute.Owner.SALES, (0.08, 0.3), 24),
    Dispute.RootCause.QUANTITY: (Dispute.Owner.OPERATIONS, (0.1, 0.5), 16),
    Dispute.RootCause.DAMAGED: (Dispute.Owner.OPERATIONS, (0.2, 1.0), 10),
    Dispute.RootCause.PO: (Dispute.Owner.BILLING, (1.0, 1.0), 18),
    Dispute.RootCause.DUPLICATE: (Dispute.Owner.BILLING, (1.0, 1.0), 6),
    Dispute.RootCause.SERVICE: (Dispute.Owner.OPERATIONS, (0.1, 0.6), 10),
    Dispute.RootCause.NOT_RECEIVED: (Dispute.Owner.BILLING, (1.0, 1.0), 8),
    Dispute.RootCause.TAX: (Dispute.Owner.BILLING, (0.05, 0.2), 5),
    Dispute.RootCause.OTHER: (Dispute.Owner.BILLING, (0.1, 1.0), 3),
}


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def share_of(amount: Decimal, share) -> Decimal:
    """A random share of an amount, in cents: the random draw is turned into a Decimal first, so the
    money itself never passes through a float."""
    return money(amount * Decimal(str(round(share, 6))))


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


@dataclass
class DisputePlan:
    opened_on: date
    root_cause: str
    owner: str
    amount: Decimal
    status: str
    resolution: str = ""
    resolved_on: date | None = None


@dataclass
class Bill:
    invoice: Invoice
    moves: list = field(default_factory=list)  # (on, "pay" | "credit" | "write_off", amount, note or reason)
    dispute: DisputePlan | None = None

    def applied(self) -> list[tuple[date, Decimal]]:
        return [(on, amount) for on, kind, amount, _source in self.moves if kind != "write_off"]

    def open_on(self, on: date) -> Decimal:
        return self.invoice.amount - sum((move[2] for move in self.moves if move[0] <= on), Decimal(0))


@dataclass
class Rows:
    """Every ledger row of a batch of accounts, ready for bulk_create in this order."""

    invoices: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    credit_notes: list = field(default_factory=list)
    applications: list = field(default_factory=list)
    write_offs: list = field(default_factory=list)
    bills: dict = field(default_factory=dict)  # customer external id → [Bill]


class Numbers:
    """Sequential document numbers, as an ERP hands them out."""

    def __init__(self):
        self.counts = defaultdict(int)

    def next(self, prefix: str, width: int = 7) -> str:
        self.counts[prefix] += 1
        return f"{prefix}{self.counts[prefix]:0{width}d}"


def plan_ledger(account: Account, *, start: date, as_of: date, numbers: Numbers, rows: Rows, voided_by) -> None:
    rng, customer = account.rng, account.customer
    last_issue = as_of
    if account.stop_on:
        last_issue = min(as_of, account.stop_on + timedelta(days=45))
    elif account.behaviour == "closed":
        last_issue = as_of - timedelta(days=150)
    span = (last_issue - start).days
    count = max(1, round(rng.gauss(account.invoices_a_year, account.invoices_a_year * 0.15) * span / 365))
    issue_dates = sorted(weekday_on_or_after(start + timedelta(days=rng.randint(0, span)), 0) for _ in range(count))
    bills = []
    pay_runs: dict[date, list] = defaultdict(list)
    for issued in issue_dates:
        issued = min(issued, as_of)
        amount = money(max(45.0, rng.lognormvariate(0, 0.75) * account.median_amount))
        invoice = Invoice(
            external_id=numbers.next("INV"), customer=customer, issue_date=issued,
            due_date=issued + timedelta(days=customer.payment_terms_days), amount=amount,
            currency=customer.currency, open_amount=amount, sent_at=at(issued, 8, rng.randint(0, 59)),
            po_number=f"PO-{rng.randint(100000, 999999)}" if customer.segment != "small business" else "",
        )
        if issued + timedelta(days=2) <= as_of and rng.random() < 0.85:
            invoice.opened_at = at(issued + timedelta(days=rng.choice((0, 0, 1, 1, 2))), rng.randint(9, 17))
        bill = Bill(invoice=invoice)
        bills.append(bill)
        if rng.random() < 0.004 and issued + timedelta(days=10) <= as_of:
            invoice.status, invoice.open_amount = Invoice.Status.VOID, Decimal("0.00")
            invoice.voided_at = at(issued + timedelta(days=rng.randint(1, 10)), 11)
            invoice.voided_by = voided_by
            invoice.void_reason = rng.choice(("Billed to the wrong entity", "Duplicate of a corrected invoice"))
            continue
        _plan_moves(account, bill, as_of=as_of, numbers=numbers, rows=rows, pay_runs=pay_runs)
    _record_payments(account, pay_runs, as_of=as_of, numbers=numbers, rows=rows)
    awaiting_approval = 0.12 if customer.segment in ("public sector", "enterprise") else 0.04
    for bill in bills:
        _settle(bill, rows)
        invoice = bill.invoice
        if invoice.status == Invoice.Status.OPEN and abs((as_of - invoice.due_date).days) <= 30 \
                and rng.random() < awaiting_approval:
            # The customer told us it is waiting for sign-off on their side.
            invoice.approval_requested_on = max(invoice.issue_date, as_of - timedelta(days=rng.randint(1, 12)))
    rows.bills[customer.external_id] = bills


def _plan_moves(account: Account, bill: Bill, *, as_of: date, numbers: Numbers, rows: Rows, pay_runs) -> None:
    """Decide credits, a dispute, payments and write-offs for one invoice, in date order."""
    rng, invoice = account.rng, bill.invoice
    pays = _pay_plan(account, invoice)
    credit_rate = 0.03 if account.behaviour != "closed" else 0.01
    if rng.random() < credit_rate:
        issued = invoice.issue_date + timedelta(days=rng.randint(3, 40))
        if issued <= as_of:
            amount = share_of(invoice.amount, rng.uniform(0.05, 0.25))
            note = _credit_note(account, numbers, rows, issued, amount, "Price adjustment")
            if rng.random() < 0.7:
                bill.moves.append((issued, "credit", amount, note))
    dispute_rate = {"very_late": 0.04, "stopped": 0.05, "late": 0.025, "partial": 0.03}.get(account.behaviour, 0.01)
    if account.behaviour == "closed":
        dispute_rate = 0
    if rng.random() < dispute_rate:
        pays = _plan_dispute(account, bill, as_of=as_of, numbers=numbers, rows=rows) or pays
    for on, share in pays:
        if on > as_of:
            break
        if on < invoice.issue_date:
            on = invoice.issue_date
        open_now = invoice.amount - sum((m[2] for m in bill.moves), Decimal(0))
        if open_now <= 0:
            break
        amount = open_now if share >= 1 else share_of(open_now, share)
        if share == 1.0 and account.behaviour == "partial" and rng.random() < 0.1 and open_now > 60:
            short = money(rng.uniform(5, 45))  # the customer short-pays; the rest is written off later
            amount = open_now - short
            written_on = on + timedelta(days=30)
            if written_on <= as_of:
                bill.moves.append((on, "pay", amount, None))
                bill.moves.append((written_on, "write_off", short, "Small balance write-off (short payment)"))
                pay_runs[on].append((bill, amount))
                continue
        if as_of - timedelta(days=30) < on and rng.random() < 0.04:
            # Cash that arrived without a remittance advice: on account until someone matches it.
            _unidentified_payment(account, numbers, rows, on, amount)
            break
        bill.moves.append((on, "pay", amount, None))
        pay_runs[on].append((bill, amount))
    if account.behaviour == "stopped" and invoice.due_date < as_of - timedelta(days=150) and rng.random() < 0.25:
        written_on = invoice.due_date + timedelta(days=rng.randint(150, 180))
        open_then = invoice.amount - sum((m[2] for m in bill.moves if m[0] <= written_on), Decimal(0))
        if written_on <= as_of and open_then > 0 and not (bill.dispute and bill.dispute.status != "resolved"):
            bill.moves.append((written_on, "write_off", open_then, "Uncollectible: customer stopped paying"))
    bill.moves.sort(key=lambda move: (move[0], move[1]))


def _pay_plan(account: Account, invoice: Invoice) -> list[tuple[date, float]]:
    rng, due = account.rng, invoice.due_date
    behaviour = account.behaviour
    if behaviour == "early":
        days = -rng.randint(1, 10)
    elif behaviour in ("on_time", "closed"):
        days = rng.randint(-3, 4)
    elif behaviour in ("late", "stopped"):
        days = int(rng.triangular(4, 45, 15))
    elif behaviour == "very_late":
        days = int(rng.triangular(30, 120, 60))
    else:  # partial
        first = weekday_on_or_after(due + timedelta(days=rng.randint(0, 30)), account.pay_weekday)
        rest = weekday_on_or_after(due + timedelta(days=rng.randint(35, 110)), account.pay_weekday)
        return [(first, rng.uniform(0.35, 0.7)), (rest, 1.0)]
    if behaviour in ("early", "on_time") and rng.random() < 0.08:
        days += rng.randint(10, 40)  # even good payers lose an invoice now and then
    paid_on = weekday_on_or_after(max(invoice.issue_date + timedelta(days=1), due + timedelta(days=days)),
                                  account.pay_weekday)
    if account.stop_on and paid_on > account.stop_on:
        return []
    return [(paid_on, 1.0)]


def _plan_dispute(account: Account, bill: Bill, *, as_of: date, numbers: Numbers, rows: Rows):
    """Open a dispute on the invoice; a resolved one decides when (and how much) the customer pays."""
    rng, invoice = account.rng, bill.invoice
    opened_on = max(invoice.issue_date + timedelta(days=2), invoice.due_date + timedelta(days=rng.randint(-7, 20)))
    if opened_on >= as_of:
        return None
    cause = rng.choices(list(DISPUTE_CAUSES), weights=[c[2] for c in DISPUTE_CAUSES.values()])[0]
    owner, (low, high), _weight = DISPUTE_CAUSES[cause]
    amount = invoice.amount if high == 1.0 and low == 1.0 else min(
        invoice.amount, max(Decimal("10.00"), share_of(invoice.amount, rng.uniform(low, high))))
    resolved_on = opened_on + timedelta(days=int(rng.triangular(5, 90, 20)))
    if resolved_on >= as_of or (as_of - opened_on).days < 60 and rng.random() < 0.6:
        status = rng.choice((Dispute.Status.OPEN, Dispute.Status.IN_REVIEW))
        bill.dispute = DisputePlan(opened_on, cause, owner, amount, status)
        return [(as_of + timedelta(days=1), 1.0)]  # nothing is paid while it is argued
    resolution = rng.choices(
        (Dispute.Resolution.CREDIT_ISSUED, Dispute.Resolution.CUSTOMER_PAYS, Dispute.Resolution.REJECTED),
        weights=(50, 30, 20),
    )[0]
    bill.dispute = DisputePlan(opened_on, cause, owner, amount, Dispute.Status.RESOLVED, resolution, resolved_on)
    if resolution == Dispute.Resolution.CREDIT_ISSUED:
        # Not more than is left open then, nor than a price adjustment dated later leaves open.
        open_then = min(bill.open_on(resolved_on), bill.open_on(date.max))
        credit = min(amount, open_then)
        if credit > 0:
            note = _credit_note(account, numbers, rows, resolved_on, credit, f"Dispute resolved: {cause}")
            bill.moves.append((resolved_on, "credit", credit, note))
    paid_on = weekday_on_or_after(resolved_on + timedelta(days=rng.randint(3, 25)), account.pay_weekday)
    return [(paid_on, 1.0)]


def _credit_note(account, numbers, rows, issued, amount, reason) -> CreditNote:
    customer = account.customer
    note = CreditNote(
        external_id=numbers.next("CN", 6), customer=customer, issue_date=issued, amount=amount,
        currency=customer.currency, reason=reason, unapplied_amount=amount,
    )
    rows.credit_notes.append(note)
    return note


def _unidentified_payment(account, numbers, rows, on, amount) -> None:
    customer = account.customer
    rows.payments.append(Payment(
        external_id=numbers.next("PAY"), customer=customer, received_date=on, amount=amount,
        currency=customer.currency, reference="No remittance advice", unapplied_amount=amount,
    ))


def _record_payments(account: Account, pay_runs, *, as_of: date, numbers: Numbers, rows: Rows) -> None:
    """One payment per payment run (date), applied to every invoice it covered."""
    rng, customer = account.rng, account.customer
    for on in sorted(pay_runs):
        lines = pay_runs[on]
        total = sum((amount for _bill, amount in lines), Decimal(0))
        extra = share_of(total, rng.uniform(0.01, 0.05)) if rng.random() < 0.03 else Decimal("0.00")
        payment = Payment(
            external_id=numbers.next("PAY"), customer=customer, received_date=on, amount=total + extra,
            currency=customer.currency, reference=f"{rng.choice(('ACH', 'Wire', 'Check'))} {rng.randint(10**5, 10**6)}",
            unapplied_amount=extra,
        )
        rows.payments.append(payment)
        for bill, amount in lines:
            rows.applications.append(Application(invoice=bill.invoice, payment=payment, amount=amount, applied_on=on))


def _settle(bill: Bill, rows: Rows) -> None:
    """Open amount, status and closing date as the services would have left them."""
    invoice = bill.invoice
    rows.invoices.append(invoice)
    if invoice.status == Invoice.Status.VOID:
        return
    open_amount = invoice.amount
    for on, kind, amount, source in bill.moves:
        open_amount -= amount
        if kind == "credit":
            source.unapplied_amount -= amount
            rows.applications.append(Application(invoice=invoice, credit_note=source, amount=amount, applied_on=on))
        elif kind == "write_off":
            rows.write_offs.append(WriteOff(invoice=invoice, amount=amount, written_off_on=on, reason=source))
        if open_amount == 0:
            invoice.closed_on = on
    invoice.open_amount = open_amount
    invoice.status = Invoice.Status.PAID if open_amount == 0 else Invoice.Status.OPEN
