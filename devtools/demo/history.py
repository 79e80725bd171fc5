"""The collection work on one demo account over the history: reminders, calls, promises, disputes, escalations.

The work follows the ledger: an account is worked while it has invoices more than a week past due,
more often the worse it pays; a promise is kept, partially kept or broken by the payments that
really arrived (the rule of `work.promises.promises_settle`), and a dispute explains why its
invoice was paid late, credited or is still open.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from devtools.demo.accounts import Account
from devtools.demo.ledger import Bill, at
from ledger.models import Contact
from work.models import Activity, Dispute, Escalation, PromiseToPay

CADENCE = {"early": 21, "on_time": 14, "late": 10, "very_late": 7, "partial": 8, "stopped": 7, "closed": 21}
PROMISE_CHANCE = {"late": 0.4, "very_late": 0.3, "partial": 0.35, "stopped": 0.12}
CALL_NOTES = {
    Activity.Outcome.REACHED: "Spoke with {contact}; they will check the payment run and call back.",
    Activity.Outcome.VOICEMAIL: "Left a voicemail for {contact} about the past-due invoices.",
    Activity.Outcome.NO_ANSWER: "No answer at {contact}'s number.",
    Activity.Outcome.PROMISED: "{contact} promised {amount} {currency} by {pay_by}.",
    Activity.Outcome.REFUSED: "{contact} refused to commit to a date; cash flow problems.",
    Activity.Outcome.WRONG_CONTACT: "{contact} no longer handles payables; asked for the new AP contact.",
}


@dataclass
class WorkRows:
    activities: list = field(default_factory=list)
    activity_invoices: list = field(default_factory=list)
    promises: list = field(default_factory=list)
    promise_invoices: list = field(default_factory=list)
    disputes: list = field(default_factory=list)
    dispute_invoices: list = field(default_factory=list)
    escalations: list = field(default_factory=list)
    escalation_invoices: list = field(default_factory=list)
    follow_ups: list = field(default_factory=list)  # customers whose follow-up fields were set
    broken_yesterday_left: int = 2


def _disputed_on(bill: Bill, day: date) -> bool:
    dispute = bill.dispute
    return bool(dispute and dispute.opened_on <= day and (dispute.resolved_on is None or dispute.resolved_on > day))


def _past_due(bills: list[Bill], day: date) -> list[Bill]:
    return [
        bill for bill in bills
        if bill.invoice.status != "void" and bill.invoice.due_date + timedelta(days=7) < day
        and (bill.invoice.closed_on is None or bill.invoice.closed_on > day) and bill.open_on(day) > 0
        and not _disputed_on(bill, day)
    ]


def plan_history(account: Account, bills: list[Bill], *, start: date, as_of: date, collectors, levels,
                 rows: WorkRows) -> None:
    rng = account.rng
    for bill in bills:
        if bill.dispute:
            _dispute(account, bill, as_of=as_of, collectors=collectors, rows=rows)
    day = start + timedelta(days=rng.randint(7, 13))
    misses, escalated, last = 0, False, None
    while day <= as_of:
        touch_day = day if day.weekday() < 5 else day + timedelta(days=7 - day.weekday())
        if touch_day > as_of:
            break
        past_due = _past_due(bills, touch_day)
        if not past_due:
            misses = 0
            day += timedelta(days=7)
            continue
        last = _touch(account, past_due, touch_day, misses=misses, as_of=as_of, collectors=collectors, rows=rows)
        misses = misses + 1 if last.outcome not in (Activity.Outcome.PROMISED, Activity.Outcome.REACHED) else 0
        if misses >= 4 and not escalated and account.behaviour in ("very_late", "stopped") and rng.random() < 0.15:
            _escalate(account, past_due, touch_day, as_of=as_of, levels=levels, collectors=collectors, rows=rows)
            escalated = True
        day += timedelta(days=CADENCE[account.behaviour] + rng.randint(-2, 3))
    if rows.broken_yesterday_left and account.behaviour in ("late", "very_late"):
        _promise_broken_yesterday(account, bills, as_of=as_of, collectors=collectors, rows=rows)
    if last and last.next_action_on and last.next_action_on >= as_of:
        account.customer.follow_up_on = last.next_action_on
        account.customer.follow_up_note = "Follow up: " + last.get_outcome_display().lower()
        rows.follow_ups.append(account.customer)


def _contact(account: Account, role: str | None = None) -> Contact | None:
    wanted = [c for c in account.contacts if c.role == role] if role else []
    return (wanted or account.contacts or [None])[0]


def _activity(account, day, invoices, *, rows, collectors, kind, outcome="", subject="", notes="", contact=None,
              next_action_on=None, hour=None) -> Activity:
    activity = Activity(
        customer=account.customer, kind=kind, outcome=outcome, contact=contact, subject=subject, notes=notes,
        next_action_on=next_action_on, by=collectors[account.owner_on(day)],
        occurred_at=at(day, hour or account.rng.randint(9, 16), account.rng.randint(0, 59)),
    )
    rows.activities.append(activity)
    rows.activity_invoices += [Activity.invoices.through(activity=activity, invoice=b.invoice) for b in invoices]
    return activity


def _touch(account: Account, past_due: list[Bill], day: date, *, misses, as_of, collectors, rows) -> Activity:
    rng, customer = account.rng, account.customer
    numbers = ", ".join(b.invoice.external_id for b in past_due[:6]) + (" …" if len(past_due) > 6 else "")
    if misses == 0 and rng.random() < 0.6:
        return _activity(
            account, day, past_due, rows=rows, collectors=collectors, kind=Activity.Kind.EMAIL,
            contact=_contact(account), subject=f"Past-due reminder: {len(past_due)} invoice(s)",
            notes=f"Sent a copy of {numbers} with the statement of account.", next_action_on=day + timedelta(days=5),
        )
    if rng.random() < 0.08:
        return _activity(
            account, day, past_due, rows=rows, collectors=collectors, kind=Activity.Kind.NOTE,
            notes=rng.choice((
                "Customer's payment run is on Thursdays; invoices must be approved by Tuesday.",
                "Checked the remittance portal: nothing scheduled yet.",
                "Asked sales to help: the buyer has not signed off the delivery.",
            )),
        )
    contact = _contact(account, Contact.Role.APPROVER if misses >= 3 else None)
    weights = {
        Activity.Outcome.PROMISED: PROMISE_CHANCE.get(account.behaviour, 0.3),
        Activity.Outcome.REACHED: 0.2, Activity.Outcome.VOICEMAIL: 0.25, Activity.Outcome.NO_ANSWER: 0.2,
        Activity.Outcome.REFUSED: 0.1 if account.behaviour == "stopped" else 0.01,
        Activity.Outcome.WRONG_CONTACT: 0.02,
    }
    coming = _next_payment(past_due, day)
    if coming and (coming - day).days <= 21:
        weights[Activity.Outcome.PROMISED] = 0.5  # the customer knows the cash is on its way
    outcome = rng.choices(list(weights), weights=list(weights.values()))[0]
    promised = past_due
    if outcome == Activity.Outcome.PROMISED and coming and (coming - day).days <= 21:
        promised = [b for b in past_due if any(on == coming for on, _amount in b.applied())] or past_due
        slip = rng.randint(1, 5) if rng.random() < 0.15 else -rng.randint(0, 3)
        pay_by = max(day + timedelta(days=1), coming - timedelta(days=slip))
    else:
        pay_by = day + timedelta(days=rng.randint(3, 14))
    owed = sum((b.open_on(day) for b in promised), Decimal(0))
    next_action = {
        Activity.Outcome.PROMISED: pay_by + timedelta(days=1), Activity.Outcome.REACHED: day + timedelta(days=7),
    }
    activity = _activity(
        account, day, promised, rows=rows, collectors=collectors, kind=Activity.Kind.CALL, outcome=outcome,
        contact=contact, subject=f"Call about {len(past_due)} past-due invoice(s)",
        notes=CALL_NOTES[outcome].format(
            contact=contact.name if contact else "the AP desk", amount=owed, currency=customer.currency, pay_by=pay_by
        ),
        next_action_on=next_action.get(outcome, day + timedelta(days=3)),
    )
    if outcome == Activity.Outcome.PROMISED:
        _promise(account, promised, day, pay_by, owed, activity, as_of=as_of, collectors=collectors, rows=rows)
    return activity


def _next_payment(bills: list[Bill], day: date) -> date | None:
    return min((on for bill in bills for on, _amount in bill.applied() if on >= day), default=None)


def _promise(account, bills, day, pay_by, amount, activity, *, as_of, collectors, rows) -> PromiseToPay:
    """Settled by the rule of promises_settle: cash applied to its invoices from the day it was made
    up to pay_by; kept when it covers the amount, else partial or broken once pay_by has passed."""
    paid, reached_on = Decimal(0), None
    for on, applied in sorted(move for bill in bills for move in bill.applied()):
        if day <= on <= min(pay_by, as_of):
            paid += applied
            if reached_on is None and paid >= amount:
                reached_on = on
    if reached_on:
        status, settled_on = PromiseToPay.Status.KEPT, reached_on
    elif as_of > pay_by:
        status = PromiseToPay.Status.PARTIALLY_KEPT if paid > 0 else PromiseToPay.Status.BROKEN
        settled_on = pay_by + timedelta(days=1)
    else:
        status, settled_on = PromiseToPay.Status.OPEN, None
    promise = PromiseToPay(
        customer=account.customer, amount=amount, pay_by=pay_by, status=status, amount_paid=min(paid, amount)
        if status != PromiseToPay.Status.KEPT else paid, settled_on=settled_on, activity=activity,
        by=activity.by, created_at=activity.occurred_at,
        source=PromiseToPay.Source.PORTAL if account.rng.random() < 0.08 else PromiseToPay.Source.COLLECTOR,
    )
    rows.promises.append(promise)
    rows.promise_invoices += [PromiseToPay.invoices.through(promisetopay=promise, invoice=b.invoice) for b in bills]
    return promise


def _promise_broken_yesterday(account, bills, *, as_of, collectors, rows) -> None:
    made_on = as_of - timedelta(days=8)
    unpaid = [
        bill for bill in _past_due(bills, made_on)
        if bill.open_on(as_of) == bill.invoice.amount and not _disputed_on(bill, as_of)
    ][:3]
    if not unpaid:
        return
    amount = sum((bill.invoice.amount for bill in unpaid), Decimal(0))
    pay_by = as_of - timedelta(days=1)
    activity = _activity(
        account, made_on, unpaid, rows=rows, collectors=collectors, kind=Activity.Kind.CALL,
        outcome=Activity.Outcome.PROMISED, contact=_contact(account), subject="Call about past-due invoices",
        notes=f"Promised {amount} {account.customer.currency} by {pay_by}.", next_action_on=as_of,
    )
    _promise(account, unpaid, made_on, pay_by, amount, activity, as_of=as_of, collectors=collectors, rows=rows)
    rows.promises[-1].settled_on = as_of  # this morning's settlement found nothing paid
    rows.broken_yesterday_left -= 1


def _dispute(account: Account, bill: Bill, *, as_of, collectors, rows) -> None:
    rng, plan = account.rng, bill.dispute
    if plan.resolved_on:
        last_update = plan.resolved_on
    else:
        last_update = plan.opened_on + timedelta(days=rng.randint(0, max(0, (as_of - plan.opened_on).days)))
    label = Dispute.RootCause(plan.root_cause).label
    activity = _activity(
        account, plan.opened_on, [bill], rows=rows, collectors=collectors, kind=Activity.Kind.CALL,
        outcome=Activity.Outcome.DISPUTED, contact=_contact(account),
        subject=f"Dispute on {bill.invoice.external_id}: {label}",
        notes=f"Customer disputes {plan.amount} {account.customer.currency}: {label.lower()}.",
    )
    dispute = Dispute(
        customer=account.customer, amount=plan.amount, root_cause=plan.root_cause, owner=plan.owner,
        status=plan.status, resolution=plan.resolution, opened_on=plan.opened_on, resolved_on=plan.resolved_on,
        last_update_at=at(last_update, 15), by=activity.by,
        source="portal" if rng.random() < 0.1 else "collector",
        description=f"{label} on invoice {bill.invoice.external_id}."
        + (f" Resolved: {Dispute.Resolution(plan.resolution).label.lower()}." if plan.resolution else ""),
    )
    rows.disputes.append(dispute)
    rows.dispute_invoices.append(Dispute.invoices.through(dispute=dispute, invoice=bill.invoice))


def _escalate(account, past_due, day, *, as_of, levels, collectors, rows) -> None:
    rng = account.rng
    if account.behaviour == "stopped" and rng.random() < 0.4:
        level = levels[-1]
    else:
        fallback = levels[min(2, len(levels) - 1)]
        level = next((lvl for lvl in levels if lvl.contact_role == Contact.Role.CONTROLLER), fallback)
    reason = f"Four contacts without progress on {len(past_due)} past-due invoice(s); escalating to {level.name}."
    escalation = Escalation(
        customer=account.customer, level=level, to_contact=_contact(account, level.contact_role or None)
        if level.contact_role else None, reason=reason, by=collectors[account.owner_on(day)],
        created_at=at(day, 16), closed_at=at(day + timedelta(days=30), 12)
        if day + timedelta(days=30) < as_of and account.behaviour != "stopped" else None,
    )
    rows.escalations.append(escalation)
    rows.escalation_invoices += [
        Escalation.invoices.through(escalation=escalation, invoice=bill.invoice) for bill in past_due
    ]
