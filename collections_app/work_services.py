"""Writes of collection work: activities, promises to pay, disputes and queue tasks.

Ledger money never changes here (that is `services.py`); these record what the customer said and
what the team must do next.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .models import (
    Activity,
    Application,
    Contact,
    Customer,
    Dispute,
    Escalation,
    EscalationLevel,
    Invoice,
    Payment,
    PromiseToPay,
    QueueEntry,
    QueueTask,
    Snooze,
)


def activity_log(
    *, customer: Customer, kind: str, by=None, outcome: str = "", contact=None, invoices=(), subject: str = "",
    notes: str = "", next_action_on: date | None = None, occurred_at=None,
) -> Activity:
    """Every touch on an account is one activity on its timeline."""
    with transaction.atomic():
        activity = Activity.objects.create(
            customer=customer, kind=kind, outcome=outcome, contact=contact, subject=subject, notes=notes,
            next_action_on=next_action_on, occurred_at=occurred_at or timezone.now(), by=by,
        )
        if invoices:
            activity.invoices.set(invoices)
    return activity


def promise_record(
    *, customer: Customer, amount, pay_by: date, invoices=(), by=None, source: str = PromiseToPay.Source.COLLECTOR,
    note: str = "", activity: Activity | None = None,
) -> PromiseToPay:
    """A promise covers named open invoices of the account; it pauses their dunning until pay_by."""
    amount = Decimal(amount)
    with transaction.atomic():
        promise = PromiseToPay.objects.create(
            customer=customer, amount=amount, pay_by=pay_by, source=source, note=note, activity=activity, by=by
        )
        if invoices:
            promise.invoices.set(invoices)
    return promise


def dispute_open(
    *, customer: Customer, invoices, amount, root_cause: str, owner: str = Dispute.Owner.BILLING,
    description: str = "", by=None, source: str = "collector",
) -> Dispute:
    """A disputed invoice gets no dunning until the dispute is resolved."""
    with transaction.atomic():
        dispute = Dispute.objects.create(
            customer=customer, amount=Decimal(amount), root_cause=root_cause, owner=owner,
            description=description, by=by, source=source, opened_on=timezone.localdate(),
        )
        dispute.invoices.set(invoices)
    return dispute


def queue_task_raise(
    *, customer: Customer, kind: str, title: str, detail: str = "", due_on: date | None = None,
    key: str | None = None, by=None,
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


ZERO = Decimal("0.00")


def _paid_towards() -> tuple:
    """Cash and credit that reached a promise's invoices between the day it was made and its date;
    for a promise that names no invoice, the account's payments received in that window."""
    money = DecimalField(max_digits=14, decimal_places=2)
    on_invoices = (
        Application.objects.filter(
            invoice__promises=OuterRef("pk"), applied_on__gte=OuterRef("made_on"),
            applied_on__lte=OuterRef("pay_by"),
        ).order_by().values("invoice__promises").annotate(total=Sum("amount")).values("total")[:1]
    )
    on_account = (
        Payment.objects.filter(
            customer=OuterRef("customer"), status=Payment.Status.POSTED,
            received_date__gte=OuterRef("made_on"), received_date__lte=OuterRef("pay_by"),
        ).order_by().values("customer").annotate(total=Sum("amount")).values("total")[:1]
    )
    names_invoices = Exists(PromiseToPay.invoices.through.objects.filter(promisetopay_id=OuterRef("pk")))
    return names_invoices, Coalesce(Subquery(on_invoices), Value(ZERO), output_field=money), Coalesce(
        Subquery(on_account), Value(ZERO), output_field=money
    )


def promises_settle(*, invoice_ids=None, on: date | None = None) -> int:
    """Settle open promises from the cash that reached their invoices.

    Kept: the promised amount was fully paid by the promised date (payments and credits applied
    from the day the promise was made up to pay_by; cash arriving later does not keep it). Once
    pay_by has passed: partially kept when some of it arrived in time, broken when none did. A
    promise whose date has not come yet stays open until it is kept. All promises are settled in
    one query plus one bulk update. Returns how many promises changed state."""
    on = on or timezone.localdate()
    promises = PromiseToPay.objects.filter(status=PromiseToPay.Status.OPEN)
    if invoice_ids is not None:
        covering = PromiseToPay.invoices.through.objects.filter(invoice_id__in=list(invoice_ids))
        promises = promises.filter(pk__in=covering.values("promisetopay_id"))
    names_invoices, on_invoices, on_account = _paid_towards()
    changed, progressed = [], []
    with transaction.atomic():
        rows = promises.select_for_update(of=("self",)).annotate(made_on=TruncDate("created_at")).annotate(
            names_invoices=names_invoices, on_invoices=on_invoices, on_account=on_account
        )
        for promise in rows:
            paid = promise.on_invoices if promise.names_invoices else promise.on_account
            if paid >= promise.amount:
                promise.status = PromiseToPay.Status.KEPT
            elif on > promise.pay_by:
                promise.status = PromiseToPay.Status.PARTIALLY_KEPT if paid > 0 else PromiseToPay.Status.BROKEN
            elif paid != promise.amount_paid:
                promise.amount_paid = paid
                progressed.append(promise)
                continue
            else:
                continue
            promise.amount_paid, promise.settled_on = paid, on
            changed.append(promise)
        PromiseToPay.objects.bulk_update(changed + progressed, ["status", "amount_paid", "settled_on"], batch_size=500)
    return len(changed)


def _done_today(*, customer: Customer, by, activity: Activity | None = None) -> int:
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


def _tasks_answered(*, customer: Customer, by) -> int:
    """The account's open tasks due by today that the work answers are done; otherwise they would
    keep scoring the account onto the queue every morning. Tasks due later stay open (a bounced
    address keeps showing through its own signal until the contact is fixed)."""
    return QueueTask.objects.filter(
        customer=customer, status=QueueTask.Status.OPEN, due_on__lte=timezone.localdate(),
        kind__in=TASKS_ANSWERED_BY_WORK,
    ).update(status=QueueTask.Status.DONE, done_at=timezone.now(), by=by)


def _check_belongs(customer: Customer, *, contact=None, invoices=()) -> None:
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError("That contact belongs to another account.")
    if any(invoice.customer_id != customer.pk for invoice in invoices):
        raise ValidationError("An invoice named belongs to another account.")


def outcome_log(
    *, customer: Customer, kind: str, outcome: str, by, contact: Contact | None = None, invoices=(),
    notes: str = "", next_action_on: date | None = None, promise_amount=None, pay_by: date | None = None,
    dispute_root_cause: str = "", dispute_owner: str = Dispute.Owner.BILLING, dispute_amount=None,
) -> Activity:
    """What happened on a call, email or visit. "Promised" records the promise to pay (amount and
    date), "disputed" opens the dispute (reason, owner; the amount defaults to what is open on the
    invoices). A next-action date becomes the account's follow-up. Either way the account's item
    leaves today's queue, and the open tasks the work answers (a dunning step handed over, a portal
    request, …) are done (`_done_today`)."""
    invoices = list(invoices)
    _check_belongs(customer, contact=contact, invoices=invoices)
    if outcome == Activity.Outcome.PROMISED:
        if not promise_amount or Decimal(promise_amount) <= 0 or pay_by is None:
            raise ValidationError("A promise needs an amount and a date.")
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
            promise_record(customer=customer, amount=promise_amount, pay_by=pay_by, invoices=invoices, by=by,
                           note=notes, activity=activity)
        if outcome == Activity.Outcome.DISPUTED:
            amount = dispute_amount or sum((i.open_amount for i in invoices), Decimal("0.00"))
            dispute_open(customer=customer, invoices=invoices, amount=amount, root_cause=dispute_root_cause,
                         owner=dispute_owner, description=notes, by=by)
        if next_action_on:
            follow_up_set(customer=customer, on=next_action_on, note=notes[:200], by=by)
        _done_today(customer=customer, by=by, activity=activity)
    return activity


def dispute_update(
    *, dispute: Dispute, by, note: str = "", status: str | None = None, owner: str | None = None
) -> Dispute:
    """Every update (a note, a new owner, moving it into review) restarts the dispute's "no update
    for N days" clock and shows on the account's timeline."""
    if dispute.status == Dispute.Status.RESOLVED:
        raise ValidationError("This dispute is resolved.")
    if status == Dispute.Status.RESOLVED:
        raise ValidationError("Resolve a dispute with its resolution.")
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        changes = []
        if status and status != dispute.status:
            changes.append(f"status {dispute.get_status_display()} → {Dispute.Status(status).label}")
            dispute.status = status
        if owner and owner != dispute.owner:
            changes.append(f"owner {dispute.get_owner_display()} → {Dispute.Owner(owner).label}")
            dispute.owner = owner
        dispute.last_update_at = timezone.now()
        dispute.save(update_fields=["status", "owner", "last_update_at"])
        activity_log(customer=dispute.customer, kind=Activity.Kind.NOTE, by=by,
                     subject=f"Dispute update ({dispute.get_root_cause_display()})"
                             + (f": {', '.join(changes)}" if changes else ""),
                     notes=note, invoices=list(dispute.invoices.all()))
    return dispute


def dispute_resolve(
    *, dispute: Dispute, resolution: str, by, note: str = "", credit_amount=None, on: date | None = None
) -> Dispute:
    """Close a dispute with its resolution. "Credit issued" raises the credit note (the dispute's
    amount unless told otherwise) against the disputed invoices, oldest first; whatever they no
    longer owe stays on the account as a usable credit. "Customer pays" and "rejected" put the
    invoices back into dunning."""
    from . import services  # the ledger; imported here because services knows nothing of disputes

    if resolution not in Dispute.Resolution.values or not resolution:
        raise ValidationError("Choose how the dispute was resolved.")
    on = on or timezone.localdate()
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.status == Dispute.Status.RESOLVED:
            raise ValidationError("This dispute is already resolved.")
        if resolution == Dispute.Resolution.CREDIT_ISSUED:
            remaining = Decimal(credit_amount if credit_amount is not None else dispute.amount)
            if remaining <= 0:
                raise ValidationError("A credit must be positive.")
            invoices = list(dispute.invoices.filter(status=Invoice.Status.OPEN).order_by("due_date", "pk"))
            currency = invoices[0].currency if invoices else dispute.customer.currency
            for n, invoice in enumerate(invoices + [None], start=1):
                amount = remaining if invoice is None else min(remaining, invoice.open_amount)
                if amount <= 0:
                    continue
                services.credit_note_issue(
                    customer=dispute.customer, external_id=f"CN-DSP{dispute.pk}-{n}", issue_date=on, amount=amount,
                    currency=currency, invoice=invoice, reason=f"Dispute {dispute.pk}: "
                    f"{dispute.get_root_cause_display()}", by=by,
                )
                remaining -= amount
        dispute.status, dispute.resolution, dispute.resolved_on = Dispute.Status.RESOLVED, resolution, on
        dispute.last_update_at = timezone.now()
        dispute.save(update_fields=["status", "resolution", "resolved_on", "last_update_at"])
        activity_log(customer=dispute.customer, kind=Activity.Kind.NOTE, by=by,
                     subject=f"Dispute resolved: {dispute.get_resolution_display()}", notes=note,
                     invoices=list(dispute.invoices.all()))
    return dispute


def escalate(
    *, customer: Customer, level: EscalationLevel, by, reason: str, to_contact: Contact | None = None,
    to_user=None, invoices=(),
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
        _done_today(customer=customer, by=by)
    return escalation


def follow_up_set(*, customer: Customer, on: date, note: str = "", by=None) -> Customer:
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


def queue_item_snooze(*, entry: QueueEntry, until: date, reason: str, by) -> Snooze:
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


def queue_item_reassign(*, entry: QueueEntry, portfolio, by, reason: str) -> QueueEntry:
    """A manager hands the account (and today's item with it) to another collector's portfolio;
    the assignment history keeps who moved it and why."""
    from portfolios.services import customers_assign

    if not reason.strip():
        raise ValidationError("Say why you reassign it.")
    with transaction.atomic():
        customers_assign(customer_ids=[entry.customer_id], portfolio=portfolio, by=by, reason=reason.strip())
        QueueEntry.objects.filter(pk=entry.pk).update(collector=portfolio.collector)
        entry.refresh_from_db()
    return entry
