"""What a missed installment sets off: a task for the collector and, when the account is reminded
at all, ONE message with the policy's missed-installment template through the outbox."""

from datetime import date
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone

from ..models import Customer, Invoice, PaymentPlan, PlanInstallment, QueueTask
from ..models.ledger import ZERO
from ..work_services import queue_task_raise
from .selectors import dunning_policy_for


def _task_key(plan_id: int, number: int) -> str:
    return f"plan:{plan_id}:{number}:missed"


def message_key(plan_id: int, number: int) -> str:
    return f"plan:{plan_id}:{number}"


def plan_table(installments) -> str:
    rows = [f"{'#':<4}{'Due date':<12}{'Amount':>14}{'Paid':>14}  Status"]
    for i in installments:
        rows.append(f"{i.number:<4}{i.due_on.isoformat():<12}{i.amount:>14,.2f}{i.amount_paid:>14,.2f}  "
                    f"{i.get_status_display()}")
    return "\n".join(rows)


def remaining_of(installments):
    return sum((i.remaining for i in installments if i.status != PlanInstallment.Status.CANCELLED), ZERO)


def installment_missed(*, plan: PaymentPlan, installment: PlanInstallment, installments, on: date) -> None:
    """The collector calls the customer about the missed installment (a task, and the account tops
    the next queue); the customer gets the plan's missed-installment message once, unless the account
    is on hold, its reminders are paused, it has no email contact or its policy has no template."""
    from reminders import rendering
    from reminders.dunning import dunning_recipients, lines_for
    from reminders.models import CustomerDunningSettings, OutboundMessage
    from reminders.outbox import message_queue

    customer: Customer = plan.customer
    cur = plan.currency
    invoices = list(plan.invoices.filter(status=Invoice.Status.OPEN).order_by("due_date", "pk"))
    table = plan_table(installments)
    why_not = ""
    policy = dunning_policy_for(customer)
    contact = dunning_recipients([customer.pk]).get(customer.pk)
    if customer.status != Customer.Status.ACTIVE:
        why_not = f"the account is {customer.get_status_display().lower()}"
    elif CustomerDunningSettings.objects.filter(customer=customer, paused=True).exists():
        why_not = "reminders are paused for the account"
    elif policy is None or policy.plan_missed_template_id is None:
        why_not = "the dunning policy has no missed-installment template"
    elif contact is None:
        why_not = "no email address for reminders"
    else:
        key = message_key(plan.pk, installment.number)
        ctx = rendering.context_for(customer=customer, contact=contact, lines=lines_for(invoices, on), key=key)
        ctx.update({
            "installment_number": installment.number,
            "installment_amount": rendering.money(installment.amount, cur),
            "installment_due": installment.due_on.isoformat(),
            "plan_table": table,
            "plan_remaining": rendering.money(remaining_of(installments), cur),
        })
        subject, body = rendering.render(policy.plan_missed_template, ctx)
        message_queue(customer=customer, kind=OutboundMessage.Kind.PLAN, key=key, contact=contact,
                      subject=subject, body=body, invoices=invoices)
    queue_task_raise(
        customer=customer, kind=QueueTask.Kind.PLAN_MISSED, key=_task_key(plan.pk, installment.number), due_on=on,
        title=(f"Plan installment {installment.number} missed: {installment.remaining:,.2f} {cur} "
               f"of {installment.amount:,.2f} due {installment.due_on:%Y-%m-%d}")[:200],
        detail=table + (f"\n\nNo message sent: {why_not}." if why_not else ""),
    )


def missed_tasks_close(*, plan_ids) -> int:
    """A plan back on track, completed, renegotiated or cancelled needs no more chasing for what
    it missed."""
    plan_ids = list(plan_ids)
    if not plan_ids:
        return 0
    keys = reduce(or_, (Q(key__startswith=f"plan:{pk}:") for pk in plan_ids))
    return QueueTask.objects.filter(keys, kind=QueueTask.Kind.PLAN_MISSED, status=QueueTask.Status.OPEN).update(
        status=QueueTask.Status.DONE, done_at=timezone.now())
