"""The customer's message about a missed plan installment: ONE per plan and installment, with the
policy's missed-installment template, through the outbox.

The collection work marks the installment missed and raises the collector's task
(`work.plans.notices`); every reminders pass (the daily dunning run) then sends what is due and not
yet sent. When the account is not reminded at all, the task says why no message went out.
"""

from datetime import date

from django.utils import timezone

from ledger.models import Customer, Invoice
from reminders import rendering
from reminders.dunning import lines_for
from reminders.eligibility import account_not_reminded
from reminders.models import OutboundMessage
from reminders.outbox import message_queue
from reminders.recipients import dunning_recipients
from reminders.selectors import dunning_policy_for
from work.models import QueueTask
from work.plans.models import PaymentPlan, PlanInstallment
from work.plans.notices import missed_task_key, plan_table, remaining_of

NOT_SENT = "\n\nNo message sent: "


def message_key(plan_id: int, number: int) -> str:
    return f"plan:{plan_id}:{number}"


def _why_not(customer: Customer, policy, contact) -> str:
    account = account_not_reminded(customer)
    if account:
        return account
    if policy is None or policy.plan_missed_template_id is None:
        return "the dunning policy has no missed-installment template"
    if contact is None:
        return "no email address for reminders"
    return ""


def plan_missed_notice_send(*, plan: PaymentPlan, installment: PlanInstallment, on: date) -> OutboundMessage | None:
    """Queue the message for one missed installment, or say on the collector's task why none goes."""
    customer: Customer = plan.customer
    installments = list(plan.installments.order_by("number"))
    policy = dunning_policy_for(customer)
    contact = dunning_recipients([customer.pk]).get(customer.pk)
    why_not = _why_not(customer, policy, contact)
    if why_not:
        task = QueueTask.objects.filter(key=missed_task_key(plan.pk, installment.number)).first()
        if task is not None and NOT_SENT not in task.detail:
            QueueTask.objects.filter(pk=task.pk).update(detail=f"{task.detail}{NOT_SENT}{why_not}.")
        return None
    key = message_key(plan.pk, installment.number)
    cur = plan.currency
    invoices = list(plan.invoices.filter(status=Invoice.Status.OPEN).order_by("due_date", "pk"))
    ctx = rendering.context_for(customer=customer, contact=contact, lines=lines_for(invoices, on), key=key)
    ctx.update({
        "installment_number": installment.number,
        "installment_amount": rendering.money(installment.amount, cur),
        "installment_due": installment.due_on.isoformat(),
        "plan_table": plan_table(installments),
        "plan_remaining": rendering.money(remaining_of(installments), cur),
    })
    subject, body = rendering.render(policy.plan_missed_template, ctx)
    message, _ = message_queue(customer=customer, kind=OutboundMessage.Kind.PLAN, key=key, contact=contact,
                               subject=subject, body=body, invoices=invoices)
    return message


def plan_missed_notices_send(*, on: date | None = None) -> int:
    """Every missed installment of a plan still broken whose message has not gone out (and whose task
    does not already say why it cannot): queue it now. Safe to run twice: the outbox key is per plan
    and installment. Returns how many messages were queued."""
    on = on or timezone.localdate()
    missed = (PlanInstallment.objects
              .filter(status=PlanInstallment.Status.MISSED, plan__status=PaymentPlan.Status.BROKEN)
              .select_related("plan__customer").order_by("plan_id", "number"))
    keys = set(OutboundMessage.objects.filter(kind=OutboundMessage.Kind.PLAN, customer_id__in=missed.values(
        "plan__customer_id")).values_list("key", flat=True))
    told = set(QueueTask.objects.filter(kind=QueueTask.Kind.PLAN_MISSED, detail__contains=NOT_SENT.strip())
               .values_list("key", flat=True))
    queued = 0
    for installment in missed:
        plan = installment.plan
        if message_key(plan.pk, installment.number) in keys or missed_task_key(plan.pk, installment.number) in told:
            continue
        queued += plan_missed_notice_send(plan=plan, installment=installment, on=on) is not None
    return queued
