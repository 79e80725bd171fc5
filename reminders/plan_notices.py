"""The customer's message about missed plan installments: ONE per plan and pass, with the policy's
missed-installment template, through the outbox.

The collection work marks installments missed and raises the collector's tasks
(`work.plans.notices`); the daily dunning run then tells each broken plan's customer what is missed
and not yet told, in one message: installments missed together (a reversed payment reopening a
completed plan, a few days without a pass) make one email, not one per installment. The message's
key names the plan and its highest missed installment, so an installment is told once whatever
door runs the pass, and a later one missed after it is told again. When the account is not
reminded at all, the task says why no message went out.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from core.money import ZERO
from ledger.models import Customer, Invoice
from reminders import languages, rendering
from reminders.eligibility import account_not_reminded
from reminders.models import OutboundMessage
from reminders.outbox import message_failed, message_queue, message_render_failed
from reminders.recipients import dunning_recipients
from reminders.selectors import dunning_policy_for
from work.models import QueueTask
from work.plans.models import PaymentPlan, PlanInstallment
from work.plans.notices import missed_task_key, remaining_of

NOT_SENT = "\n\nNo message sent: "


def message_key(plan_id: int, number: int) -> str:
    return f"plan:{plan_id}:{number}"


def _told_up_to(keys) -> dict[int, int]:
    """Per plan, the highest installment a plan message was made for (each covers those before it)."""
    told: dict[int, int] = {}
    for key in keys:
        parts = key.split(":")
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            plan_id, number = int(parts[1]), int(parts[2])
            told[plan_id] = max(told.get(plan_id, 0), number)
    return told


def _why_not(customer: Customer, policy, contact) -> str:
    account = account_not_reminded(customer)
    if account:
        return account
    if policy is None or policy.plan_missed_template_id is None:
        return "the dunning policy has no missed-installment template"
    if contact is None:
        return "no email address for reminders"
    return ""


def _and(words) -> str:
    """1 · 1 and 2 · 1, 2 and 3 (in the active language: "1, 2 et 3")."""
    words = list(words)
    return gettext(" and ").join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


# An installment's status as the customer's message says it (the model's labels are the collectors').
INSTALLMENT_STATUSES = {
    PlanInstallment.Status.OPEN: gettext_lazy("Due"), PlanInstallment.Status.KEPT: gettext_lazy("Paid"),
    PlanInstallment.Status.LATE: gettext_lazy("Paid late"), PlanInstallment.Status.MISSED: gettext_lazy("Overdue"),
    PlanInstallment.Status.CANCELLED: gettext_lazy("Cancelled"),
}


def customer_plan_table(installments: list[PlanInstallment], language: str, country: str = "") -> str:
    """The plan's installments as the customer's message lists them, in `language`: number, due date,
    amount, paid and status (call inside translation.override of it)."""
    heads = ["#", gettext("Due date"), gettext("Amount"), gettext("Paid"), gettext("Status")]
    rows = [[str(i.number), languages.day(i.due_on, language, country),
             languages.number(i.amount, language, country), languages.number(i.amount_paid, language, country),
             str(INSTALLMENT_STATUSES.get(i.status, i.get_status_display()))] for i in installments]
    widths = [max(len(row[c]) for row in [heads, *rows]) for c in range(4)]
    return "\n".join(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}  "
                     f"{row[4]}" for row in [heads, *rows])


def _missed_context(installments: list[PlanInstallment], missed: list[PlanInstallment], cur: str, language: str,
                    country: str = "") -> dict:
    """The plan's placeholders in `language` (call inside translation.override of it)."""
    return {
        "installment_number": _and(str(i.number) for i in missed),
        "installment_amount": rendering.money(sum((i.amount for i in missed), ZERO), cur, language, country),
        "installment_due": _and(languages.day(i.due_on, language, country) for i in missed),
        "plan_table": customer_plan_table(installments, language, country),
        "plan_remaining": rendering.money(remaining_of(installments), cur, language, country),
    }


def plan_missed_notice_send(*, plan: PaymentPlan, installment: PlanInstallment, on: date,
                            missed: list[PlanInstallment] | None = None) -> OutboundMessage | None:
    """Queue the message for the plan's missed installments up to `installment` (those in `missed`,
    else that one), or say on the collector's task why none goes."""
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
    invoices = list(plan.invoices.filter(status=Invoice.Status.OPEN).order_by("due_date", "pk"))
    ctx = rendering.context_for(customer=customer, contact=contact, lines=rendering.lines_for(invoices, on), key=key)
    # The plan's own placeholders are in the language the message is written in: the template's
    # translation's, else LANGUAGE_CODE's (reminders.languages: never a mix).
    language = languages.text_language(policy.plan_missed_template, ctx["language"])
    with translation.override(language):
        ctx.update(_missed_context(installments, missed or [installment], plan.currency, language,
                                   getattr(customer, "country", "") or ""))
    made = rendering.render_message(policy.plan_missed_template, ctx)  # --- html: both parts ---
    message, _ = message_queue(customer=customer, kind=OutboundMessage.Kind.PLAN, key=key, contact=contact,
                               subject=made.subject, body=made.body, invoices=invoices,
                               html_body=made.html_body, language=made.language)
    return message


def plan_missed_notices_send(*, on: date | None = None, run=None) -> int:
    """Every plan still broken with missed installments its customer was not told about (and whose
    task does not already say why they cannot be): one message now, naming them all. Safe to run
    twice. A plan whose message cannot be made gets a failed message (of `run`) and a task; the
    others go on. Returns how many messages were queued."""
    on = on or timezone.localdate()
    missed = list(PlanInstallment.objects
                  .filter(status=PlanInstallment.Status.MISSED, plan__status=PaymentPlan.Status.BROKEN)
                  .select_related("plan__customer").order_by("plan_id", "number"))
    made = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.PLAN, customer_id__in={
        i.plan.customer_id for i in missed})
    told = _told_up_to(m.key for m in made.only("key", "status", "attempts") if not message_render_failed(m))
    said_why = set(QueueTask.objects.filter(kind=QueueTask.Kind.PLAN_MISSED, detail__contains=NOT_SENT.strip())
                   .values_list("key", flat=True))
    untold: dict[int, list[PlanInstallment]] = {}
    for installment in missed:
        if installment.number > told.get(installment.plan_id, 0):
            untold.setdefault(installment.plan_id, []).append(installment)
    queued = 0
    for rows in untold.values():
        plan, last = rows[-1].plan, rows[-1]
        if missed_task_key(plan.pk, last.number) in said_why:
            continue
        try:
            with transaction.atomic():  # this plan's message only
                queued += plan_missed_notice_send(plan=plan, installment=last, on=on, missed=rows) is not None
        except Exception as exc:  # noqa: BLE001 - recorded on a failed message and a task; the pass goes on
            _notice_failed(plan, last, run, exc)
    return queued


def _notice_failed(plan: PaymentPlan, installment: PlanInstallment, run, error: Exception) -> None:
    customer = plan.customer
    policy = dunning_policy_for(customer)
    message_failed(
        customer=customer, kind=OutboundMessage.Kind.PLAN, key=message_key(plan.pk, installment.number),
        contact=dunning_recipients([customer.pk]).get(customer.pk), error=error,
        template=policy.plan_missed_template if policy else None,
        subject=f"Payment plan: installment {installment.number} missed (not sent)",
        invoices=plan.invoices.filter(status=Invoice.Status.OPEN), run=run,
    )
