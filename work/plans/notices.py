"""What a missed installment sets off in the collection work: a task for the collector (and the
account tops the next queue). The customer's message is the reminders' business
(`reminders.plan_notices`), sent at the next reminders pass."""

from datetime import date
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from core.money import ZERO
from work.models import QueueTask
from work.plans.models import PaymentPlan, PlanInstallment
from work.services import queue_task_raise


def missed_task_key(plan_id: int, number: int) -> str:
    return f"plan:{plan_id}:{number}:missed"


def plan_table(installments) -> str:
    rows = [f"{'#':<4}{'Due date':<12}{'Amount':>14}{'Paid':>14}  Status"]
    for i in installments:
        rows.append(f"{i.number:<4}{i.due_on.isoformat():<12}{i.amount:>14,.2f}{i.amount_paid:>14,.2f}  "
                    f"{i.get_status_display()}")
    return "\n".join(rows)


def remaining_of(installments):
    return sum((i.remaining for i in installments if i.status != PlanInstallment.Status.CANCELLED), ZERO)


def installment_missed(*, plan: PaymentPlan, installment: PlanInstallment, installments, on: date) -> QueueTask:
    """The collector calls the customer about the missed installment: a task (once per plan and
    installment), and the account tops the next queue."""
    cur = plan.currency
    return queue_task_raise(
        customer=plan.customer, kind=QueueTask.Kind.PLAN_MISSED, key=missed_task_key(plan.pk, installment.number),
        due_on=on,
        title=(f"Plan installment {installment.number} missed: {installment.remaining:,.2f} {cur} "
               f"of {installment.amount:,.2f} due {date_format(installment.due_on)}")[:200],
        detail=plan_table(installments),
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
