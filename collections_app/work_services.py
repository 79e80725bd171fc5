"""Writes of collection work: activities, promises to pay, disputes and queue tasks.

Ledger money never changes here (that is `services.py`); these record what the customer said and
what the team must do next.
"""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from .models import Activity, Application, Customer, Dispute, PromiseToPay, QueueTask


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


def promises_settle(*, invoice_ids=None, on: date | None = None) -> int:
    """Settle open promises from the cash that reached their invoices.

    Kept: the invoices received at least the promised amount (payments and credits applied from the
    day the promise was made up to pay_by). Once pay_by has passed: partially kept when some of it
    arrived, broken when none did. A promise whose date has not come yet stays open until it is
    kept. Returns how many promises changed state."""
    on = on or timezone.localdate()
    promises = PromiseToPay.objects.filter(status=PromiseToPay.Status.OPEN)
    if invoice_ids is not None:
        promises = promises.filter(invoices__in=list(invoice_ids)).distinct()
    changed = 0
    with transaction.atomic():
        for promise in promises.select_for_update(of=("self",)).prefetch_related("invoices"):
            paid = Application.objects.filter(
                Q(invoice__in=promise.invoices.all()),
                applied_on__gte=promise.created_at.date(), applied_on__lte=min(promise.pay_by, on),
            ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
            if paid >= promise.amount:
                status = PromiseToPay.Status.KEPT
            elif on > promise.pay_by:
                status = PromiseToPay.Status.PARTIALLY_KEPT if paid > 0 else PromiseToPay.Status.BROKEN
            else:
                if paid != promise.amount_paid:
                    PromiseToPay.objects.filter(pk=promise.pk).update(amount_paid=paid)
                continue
            PromiseToPay.objects.filter(pk=promise.pk).update(status=status, amount_paid=paid, settled_on=on)
            changed += 1
    return changed

