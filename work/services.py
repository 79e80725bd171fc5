"""Writes of collection work: activities, promises to pay, disputes and queue tasks.

Ledger money never changes here (that is `services.py`); these record what the customer said and
what the team must do next.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from core.money import CENT, MAX_AMOUNT, ZERO, Amount
from ledger.assignments import customers_assign
from ledger.models import Contact, Customer, Invoice
from portfolios.models import Portfolio
from work.models import Activity, Dispute, Escalation, EscalationLevel, PromiseToPay, QueueTask
from work.promises import promises_settle
from work.queue.models import QueueEntry, Snooze

IN_BATCH = 900  # ids per IN (): within SQLite's oldest variable limit


def activity_log(
    *, customer: Customer, kind: str, by: User | None = None, outcome: str = "", contact: Contact | None = None,
    invoices: Iterable[Invoice | int] = (), subject: str = "", notes: str = "", next_action_on: date | None = None,
    occurred_at: datetime | None = None, message_id: str = "", in_reply_to: str = "",
) -> Activity:
    """Every touch on an account is one activity on its timeline. An email's activity carries its
    Message-ID and the one it answers, so the timeline can thread it."""
    with transaction.atomic(savepoint=False):  # part of the caller's write when there is one
        activity = Activity.objects.create(
            customer=customer, kind=kind, outcome=outcome, contact=contact, subject=subject, notes=notes,
            next_action_on=next_action_on, occurred_at=occurred_at or timezone.now(), by=by,
            message_id=message_id[:998], in_reply_to=in_reply_to[:998],
        )
        through = Activity.invoices.through
        # A new activity has no invoices yet: one insert (`set` would first read the ones it has).
        through.objects.bulk_create([through(activity_id=activity.pk, invoice_id=pk)
                                     for pk in dict.fromkeys(getattr(i, "pk", i) for i in invoices)])
    return activity


def money_amount(value: Amount | None, what: str = "An amount") -> Decimal:
    """A positive amount of money with at most two decimals that a money field holds, or a clear refusal."""
    try:
        amount = Decimal(value) if value is not None and value != "" else None
    except (ArithmeticError, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError(f"{what} must be an amount, such as 250.00.")
    if amount <= 0:
        raise ValidationError(f"{what} must be positive.")
    if amount > MAX_AMOUNT:
        raise ValidationError(f"{what} of {amount:,.2f} is more than the ledger can hold.")
    if amount != amount.quantize(CENT):
        raise ValidationError(f"{what} has more than two decimals.")
    return amount.quantize(CENT)


def _promise_date(pay_by: date) -> date:
    """Within the horizon: at most PROMISE_HORIZON_DAYS ahead (and as far back, for one recorded late)."""
    horizon = timedelta(days=settings.PROMISE_HORIZON_DAYS)
    today = timezone.localdate()
    if pay_by > today + horizon:
        raise ValidationError(f"A promise to pay is for a date within {settings.PROMISE_HORIZON_DAYS} days, by "
                              f"{date_format(today + horizon)} at the latest; offer a payment plan for longer.")
    if pay_by < today - horizon:
        raise ValidationError(f"{date_format(pay_by)} is not a plausible date for a promise to pay.")
    return pay_by


def _promisable(customer: Customer, invoices: list[Invoice]) -> list[Invoice]:
    """The invoices the promise may cover, locked: the named ones, or the account's open invoices
    oldest first. Locking them makes two promises recorded at once wait for each other, so the
    second sees the first. Promises on them whose date has passed are settled first (broken or
    kept), so only a promise still running blocks a new one."""
    rows = Invoice.objects.select_for_update().filter(customer=customer, status=Invoice.Status.OPEN,
                                                      open_amount__gt=0).order_by("due_date", "pk")
    if invoices:
        named = {invoice.pk for invoice in invoices}
        rows = rows.filter(pk__in=named)
        found = list(rows)
        if len(found) != len(named):
            raise ValidationError("A promise covers open invoices of the account; one named is not.")
    else:
        found = list(rows)
    if found:
        promises_settle(invoice_ids=[invoice.pk for invoice in found])
    return found


def _already_promised(invoices: list[Invoice]) -> dict[int, PromiseToPay]:
    through = PromiseToPay.invoices.through.objects.filter(
        invoice_id__in=[invoice.pk for invoice in invoices], promisetopay__status=PromiseToPay.Status.OPEN)
    return {row.invoice_id: row.promisetopay for row in through.select_related("promisetopay")}


def promise_record(
    *, customer: Customer, amount: Amount, pay_by: date, invoices: Iterable[Invoice] = (), by: User | None = None,
    source: str = PromiseToPay.Source.COLLECTOR, note: str = "", activity: Activity | None = None,
) -> PromiseToPay:
    """A promise covers open invoices of the account: the ones named or, when none is named, the
    account's open invoices oldest first, as many as its amount reaches. It pauses their dunning
    until pay_by. It is for a positive amount, at most what is open on them, and a date at most
    PROMISE_HORIZON_DAYS ahead; an invoice is covered by one open promise at a time."""
    amount = money_amount(amount, "A promised amount")
    _promise_date(pay_by)
    invoices = list(invoices)
    with transaction.atomic():
        candidates = _promisable(customer, invoices)
        promised = _already_promised(candidates)
        if invoices and promised:
            invoice = next(i for i in candidates if i.pk in promised)
            other = promised[invoice.pk]
            raise ValidationError(f"Invoice {invoice} is already covered by an open promise ({other.amount:,.2f} by "
                                  f"{date_format(other.pay_by)}): an invoice has one open promise at a time.")
        covered, open_total = [], ZERO
        for invoice in candidates:
            if invoice.pk in promised or (not invoices and open_total >= amount):
                continue
            covered.append(invoice)
            open_total += invoice.open_amount
        if amount > open_total:
            where = "on these invoices" if invoices else "on the account's invoices without a promise"
            raise ValidationError(f"Only {open_total:,.2f} is open {where}; a promise of {amount:,.2f} is more "
                                  f"than is owed.")
        promise = PromiseToPay.objects.create(
            customer=customer, amount=amount, pay_by=pay_by, source=source, note=note, activity=activity, by=by
        )
        promise.invoices.set(covered)
    return promise


def dispute_open(
    *, customer: Customer, invoices: Iterable[Invoice], amount: Amount, root_cause: str,
    owner: str = Dispute.Owner.BILLING, description: str = "", by: User | None = None, source: str = "collector",
) -> Dispute:
    """A disputed invoice gets no dunning until the dispute is resolved. The disputed amount is
    positive and at most what the disputed invoices billed (a paid invoice can be disputed too); a
    credit resolving it is at most that much."""
    [dispute] = disputes_open([DisputeOpening(customer=customer, invoices=list(invoices), amount=amount,
                                              root_cause=root_cause, owner=owner, description=description)],
                              by=by, source=source)
    return dispute


@dataclass(frozen=True)
class DisputeOpening:
    """One dispute for `disputes_open`: what `dispute_open` takes, as a value."""

    customer: Customer
    invoices: list[Invoice]
    amount: Amount
    root_cause: str
    owner: str = Dispute.Owner.BILLING
    description: str = ""


def disputes_open(openings: Sequence[DisputeOpening], *, by: User | None = None,
                  source: str = "collector") -> list[Dispute]:
    """`dispute_open` for many disputes at once (a bank statement's short payments), with the same
    rule on each, all or nothing: the invoices are locked and read in one query per IN_BATCH, the
    disputes and their invoices written in bulk. Returns the disputes, in order."""
    amounts = [money_amount(opening.amount, "A disputed amount") for opening in openings]
    ids = sorted({invoice.pk for opening in openings for invoice in opening.invoices})
    with transaction.atomic():
        billed_by: dict[int, tuple[int, Decimal]] = {}  # invoice → (customer, amount billed), void ones left out
        for start in range(0, len(ids), IN_BATCH):
            billed_by.update({pk: (customer_id, billed) for pk, customer_id, billed in Invoice.objects
                              .select_for_update().filter(pk__in=ids[start:start + IN_BATCH])
                              .exclude(status=Invoice.Status.VOID).values_list("pk", "customer_id", "amount")})
        today = timezone.localdate()
        disputes = []
        for opening, amount in zip(openings, amounts, strict=True):
            billed = sum((billed_by[i.pk][1] for i in dict.fromkeys(opening.invoices)
                          if i.pk in billed_by and billed_by[i.pk][0] == opening.customer.pk), ZERO)
            if amount > billed:
                raise ValidationError(f"The disputed invoices billed {billed:,.2f}; a dispute of {amount:,.2f} is "
                                      f"more.")
            disputes.append(Dispute(customer=opening.customer, amount=amount, root_cause=opening.root_cause,
                                    owner=opening.owner, description=opening.description, by=by, source=source,
                                    opened_on=today))
        disputes = Dispute.objects.bulk_create(disputes, batch_size=IN_BATCH)
        through = Dispute.invoices.through
        through.objects.bulk_create([through(dispute_id=dispute.pk, invoice_id=pk)
                                     for dispute, opening in zip(disputes, openings, strict=True)
                                     for pk in dict.fromkeys(i.pk for i in opening.invoices)], batch_size=IN_BATCH)
    return disputes


def queue_task_raise(
    *, customer: Customer, kind: str, title: str, detail: str = "", due_on: date | None = None,
    key: str | None = None, by: User | None = None,
) -> QueueTask:
    """Put something in front of the account's collector. With a `key`, raising the same task
    again returns the existing one instead of a duplicate."""
    if key:
        existing = QueueTask.objects.filter(key=key).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            return QueueTask.objects.create(
                customer=customer, kind=kind, title=title, detail=detail,
                due_on=due_on or timezone.localdate(), key=key, by=by,
            )
    except IntegrityError:
        return QueueTask.objects.get(key=key)




def account_worked(*, customer: Customer, by: User | None, activity: Activity | None = None) -> int:
    """Working an account (logging what happened, offering a plan, escalating) completes today's
    queue item for it and answers the open tasks that asked someone to look at it."""
    _tasks_answered(customer=customer, by=by)
    return QueueEntry.objects.filter(
        day=timezone.localdate(), customer=customer, status=QueueEntry.Status.OPEN
    ).update(status=QueueEntry.Status.DONE, done_at=timezone.now(), done_by=by, activity=activity)


# Tasks that ask someone to look at the account: working it (a call, an email, a visit logged)
# answers them. A missed plan installment and fees to approve close through their own flows.
TASKS_ANSWERED_BY_WORK = (
    QueueTask.Kind.DUNNING_STEP, QueueTask.Kind.BOUNCE, QueueTask.Kind.NOT_OPENED,
    QueueTask.Kind.STATEMENT_UNDELIVERED, QueueTask.Kind.PORTAL_DISPUTE, QueueTask.Kind.PORTAL_PROMISE,
    QueueTask.Kind.PORTAL_REQUEST, QueueTask.Kind.PORTAL_PLAN, QueueTask.Kind.CREDIT_HOLD, QueueTask.Kind.MANUAL,
)


def _tasks_answered(*, customer: Customer, by: User | None) -> int:
    """The account's open tasks due by today that the work answers are done; otherwise they would
    keep scoring the account onto the queue every morning. Tasks due later stay open (a bounced
    address keeps showing through its own signal until the contact is fixed)."""
    return QueueTask.objects.filter(
        customer=customer, status=QueueTask.Status.OPEN, due_on__lte=timezone.localdate(),
        kind__in=TASKS_ANSWERED_BY_WORK,
    ).update(status=QueueTask.Status.DONE, done_at=timezone.now(), by=by)


def _check_belongs(customer: Customer, *, contact: Contact | None = None, invoices: Iterable[Invoice] = ()) -> None:
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError("That contact belongs to another account.")
    if any(invoice.customer_id != customer.pk for invoice in invoices):
        raise ValidationError("An invoice named belongs to another account.")


def outcome_log(
    *, customer: Customer, kind: str, outcome: str, by: User, contact: Contact | None = None,
    invoices: Iterable[Invoice] = (), notes: str = "", next_action_on: date | None = None,
    promise_amount: Amount | None = None, pay_by: date | None = None, dispute_root_cause: str = "",
    dispute_owner: str = Dispute.Owner.BILLING, dispute_amount: Amount | None = None,
) -> Activity:
    """What happened on a call, email or visit. "Promised" records the promise to pay (amount and
    date), "disputed" opens the dispute (reason, owner; the amount defaults to what is open on the
    invoices). A next-action date becomes the account's follow-up. Either way the account's item
    leaves today's queue, and the open tasks the work answers (a dunning step handed over, a portal
    request, …) are done (`account_worked`)."""
    invoices = list(invoices)
    _check_belongs(customer, contact=contact, invoices=invoices)
    if outcome == Activity.Outcome.PROMISED:
        if promise_amount is None or pay_by is None:
            raise ValidationError("A promise needs an amount and a date.")
        money_amount(promise_amount, "A promised amount")
        if pay_by < timezone.localdate():
            raise ValidationError("A promise to pay is for today or a later date.")
    if outcome == Activity.Outcome.DISPUTED:
        if not dispute_root_cause:
            raise ValidationError("A dispute needs a reason (root cause).")
        if not invoices:
            raise ValidationError("Name the disputed invoices.")
    with transaction.atomic():
        activity = activity_log(customer=customer, kind=kind, by=by, outcome=outcome, contact=contact,
                                invoices=invoices, notes=notes, next_action_on=next_action_on)
        if outcome == Activity.Outcome.PROMISED:
            assert promise_amount is not None and pay_by is not None  # checked above
            promise_record(customer=customer, amount=promise_amount, pay_by=pay_by, invoices=invoices, by=by,
                           note=notes, activity=activity)
        if outcome == Activity.Outcome.DISPUTED:
            amount = dispute_amount or sum((i.open_amount for i in invoices), Decimal("0.00"))
            dispute_open(customer=customer, invoices=invoices, amount=amount, root_cause=dispute_root_cause,
                         owner=dispute_owner, description=notes, by=by)
        if next_action_on:
            follow_up_set(customer=customer, on=next_action_on, note=notes[:200], by=by)
        account_worked(customer=customer, by=by, activity=activity)
    return activity


def escalate(
    *, customer: Customer, level: EscalationLevel, by: User, reason: str, to_contact: Contact | None = None,
    to_user: User | None = None, invoices: Iterable[Invoice] = (),
) -> Escalation:
    """One action takes the account up the escalation matrix, and records who escalated, to whom
    and why. It completes the account's item on today's queue."""
    if not reason.strip():
        raise ValidationError("Say why you escalate.")
    invoices = list(invoices)
    _check_belongs(customer, contact=to_contact, invoices=invoices)
    if to_user is None and level.to_team_manager:
        team = getattr(customer.portfolio, "team", None)
        to_user = team.manager if team else None
    with transaction.atomic():
        escalation = Escalation.objects.create(
            customer=customer, level=level, to_contact=to_contact, to_user=to_user, reason=reason.strip(), by=by
        )
        if invoices:
            escalation.invoices.set(invoices)
        account_worked(customer=customer, by=by)
    return escalation


def follow_up_set(*, customer: Customer, on: date, note: str = "", by: User | None = None) -> Customer:
    """The collector plans the next touch: on that day the account comes back on the queue, and
    until then its old invoices count as having a plan."""
    if on < timezone.localdate():
        raise ValidationError("A follow-up is for today or a later date.")
    with transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(
            follow_up_on=on, follow_up_note=note[:200], updated_at=timezone.now()
        )
    customer.follow_up_on, customer.follow_up_note = on, note[:200]
    return customer


def queue_item_snooze(*, entry: QueueEntry, until: date, reason: str, by: User) -> Snooze:
    """Put an account aside until a date, for a reason; it leaves the queue until that day."""
    if until is None or until <= timezone.localdate():
        raise ValidationError("Snooze until a later day.")
    if not reason.strip():
        raise ValidationError("Say why you snooze it.")
    with transaction.atomic():
        snooze = Snooze.objects.create(customer_id=entry.customer_id, until=until, reason=reason.strip(), by=by)
        QueueEntry.objects.filter(pk=entry.pk).update(
            status=QueueEntry.Status.SNOOZED, done_at=timezone.now(), done_by=by
        )
    return snooze


def queue_item_reassign(*, entry: QueueEntry, portfolio: Portfolio, by: User, reason: str) -> QueueEntry:
    """A manager hands the account (and today's item with it) to another collector's portfolio;
    the assignment history keeps who moved it and why."""
    if not reason.strip():
        raise ValidationError("Say why you reassign it.")
    with transaction.atomic():
        customers_assign(customer_ids=[entry.customer_id], portfolio=portfolio, by=by, reason=reason.strip())
        QueueEntry.objects.filter(pk=entry.pk).update(collector=portfolio.collector)
        entry.refresh_from_db()
    return entry
