"""The daily dunning pass: which invoice is due for which step, as one bulk evaluation.

The step due for an invoice is the highest step of its policy whose offset is at most the days past
due, provided no step at or above that offset was recorded for the invoice. Lower steps that were
never sent are recorded as skipped: after downtime the customer gets the step that is due now, not a
burst of every level they missed, and no level is ever sent twice (InvoiceStepSent is unique per
invoice and step).
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ledger.models import Customer, Invoice
from reminders import rendering
from reminders.charges import charges_propose
from reminders.eligibility import REMINDED_STATUSES, invoices_blocked_from_dunning, paused_customer_ids
from reminders.models import (
    CustomerDunningSettings,
    DunningPolicy,
    DunningRun,
    DunningStep,
    InvoiceStepSent,
    OutboundMessage,
)
from reminders.outbox import message_failed, message_render_failed, messages_dispatch, not_before_for  # windows
from reminders.plan_notices import plan_missed_notices_send
from reminders.recipients import dunning_recipients
from work.services import queue_task_raise


@dataclass
class PlanLine:
    invoice_id: int
    step_id: int
    offset_days: int
    days_past_due: int


@dataclass
class DunningPlan:
    as_of: date
    invoices_evaluated: int = 0
    invoices_blocked: int = 0
    emails: dict[int, list[PlanLine]] = field(default_factory=dict)  # customer id → lines
    tasks: dict[int, list[PlanLine]] = field(default_factory=dict)
    skipped: list[PlanLine] = field(default_factory=list)
    steps: dict[int, dict] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "invoices_evaluated": self.invoices_evaluated,
            "invoices_blocked": self.invoices_blocked,
            "messages": len(self.emails),
            "tasks": len(self.tasks),
            "invoices_in_messages": sum(len(lines) for lines in self.emails.values()),
            "steps_skipped": len(self.skipped),
        }


def _policy_map() -> tuple[int | None, dict[str, int]]:
    default_id = None
    by_segment = {}
    for pk, segment, is_default in DunningPolicy.objects.values_list("pk", "segment", "is_default"):
        if is_default:
            default_id = pk
        if segment:
            by_segment[segment.strip().lower()] = pk
    return default_id, by_segment


def _with_policy(inv: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Each invoice's policy (the account's override, else its segment's, else the default; invoices
    with none are dropped) and its days past due on `as_of`."""
    default_id, by_segment = _policy_map()
    segment_policy = inv["segment"].fillna("").str.strip().str.lower().map(by_segment)
    overrides = dict(CustomerDunningSettings.objects.filter(policy__isnull=False)
                     .values_list("customer_id", "policy_id"))
    override_policy = inv["customer_id"].map(overrides)
    inv = inv.assign(policy_id=override_policy.fillna(segment_policy).fillna(default_id if default_id else -1))
    inv = inv[inv["policy_id"] >= 0].astype({"policy_id": "int64"})
    inv["days_past_due"] = (pd.Timestamp(as_of) - pd.to_datetime(inv["due_date"])).dt.days.astype("int64")
    return inv


def dunning_plan(as_of: date) -> DunningPlan:
    """Who would get what if the dunning pass ran for `as_of`. A handful of queries and one pandas
    evaluation, whatever the size of the book."""
    plan = DunningPlan(as_of=as_of)
    steps = pd.DataFrame(list(DunningStep.objects.values("id", "policy_id", "offset_days", "action", "name")))
    if steps.empty:
        return plan
    plan.steps = steps.set_index("id").to_dict("index")
    lead = max(0, -int(steps["offset_days"].min()))
    rows = list(
        Invoice.objects.filter(
            status=Invoice.Status.OPEN, open_amount__gt=0, customer__status__in=REMINDED_STATUSES,
            due_date__lte=as_of + pd.Timedelta(days=lead).to_pytimedelta(),
        ).values_list("id", "customer_id", "due_date", "customer__segment")
    )
    plan.invoices_evaluated = len(rows)
    if not rows:
        return plan
    inv = pd.DataFrame(rows, columns=["invoice_id", "customer_id", "due_date", "segment"])
    blocked = set(invoices_blocked_from_dunning().values_list("pk", flat=True))
    is_blocked = inv["invoice_id"].isin(blocked) | inv["customer_id"].isin(paused_customer_ids())
    plan.invoices_blocked = int(is_blocked.sum())
    inv = inv[~is_blocked]

    inv = _with_policy(inv, as_of)

    # The step due now: the highest offset <= days past due, per policy.
    due = pd.merge_asof(
        inv.sort_values("days_past_due"),
        steps.rename(columns={"id": "step_id"}).sort_values("offset_days").astype({"offset_days": "int64"}),
        left_on="days_past_due", right_on="offset_days", by="policy_id", direction="backward",
    ).dropna(subset=["step_id"])
    recorded = pd.DataFrame(
        list(InvoiceStepSent.objects.filter(invoice_id__in=due["invoice_id"].tolist()).values("invoice_id")
             .annotate(recorded=Max("offset_days"))),
        columns=["invoice_id", "recorded"],
    )
    due = due.merge(recorded, on="invoice_id", how="left")
    due["recorded"] = due["recorded"].astype("float64").fillna(float("-inf"))
    due = due[due["offset_days"] > due["recorded"]]
    if due.empty:
        return plan

    # Lower steps never sent: skipped, so they are not sent late after a higher one.
    lower = due[["invoice_id", "policy_id", "offset_days", "recorded", "days_past_due"]].merge(
        steps.rename(columns={"id": "skip_id", "offset_days": "skip_offset"}), on="policy_id"
    )
    lower = lower[(lower["skip_offset"] < lower["offset_days"]) & (lower["skip_offset"] > lower["recorded"])]
    plan.skipped = [PlanLine(int(r.invoice_id), int(r.skip_id), int(r.skip_offset), int(r.days_past_due))
                    for r in lower.itertuples()]

    emails: dict[int, list[PlanLine]] = defaultdict(list)
    tasks: dict[int, list[PlanLine]] = defaultdict(list)
    for r in due.itertuples():
        line = PlanLine(int(r.invoice_id), int(r.step_id), int(r.offset_days), int(r.days_past_due))
        (emails if r.action == DunningStep.Action.EMAIL else tasks)[int(r.customer_id)].append(line)
    plan.emails, plan.tasks = dict(emails), dict(tasks)
    return plan


def message_key(customer_id: int, step_id: int, invoice_ids, on: date) -> str:
    invoice_set = hashlib.sha256(",".join(str(i) for i in sorted(invoice_ids)).encode()).hexdigest()[:20]
    return f"dunning:{customer_id}:{step_id}:{invoice_set}:{on.isoformat()}"


lines_for = rendering.lines_for  # kept under its old name for the callers that import it from here


def dunning_run(*, as_of: date | None = None, trigger: str = "beat", by=None, by_id: int | None = None) -> DunningRun:
    """Once a day every account gets at most one reminder listing every invoice due for a step;
    steps that hand over to the collector put a task in their queue instead. Nothing goes to an
    account on hold, a disputed invoice or one under an open promise; the send re-checks payment.
    The pass is the one door of the morning's messages: it first tells broken plans' customers about
    their missed installments (reminders.plan_notices). One customer whose message cannot be made
    (a template that fails) gets a failed message and their collector a task; the pass goes on."""
    as_of = as_of or timezone.localdate()
    plan = dunning_plan(as_of)
    with transaction.atomic():
        run = DunningRun.objects.create(as_of=as_of, trigger=trigger, by=by, by_id=by_id or (by.pk if by else None),
                                        invoices_evaluated=plan.invoices_evaluated,
                                        invoices_blocked=plan.invoices_blocked)
        notices = plan_missed_notices_send(on=as_of, run=run)
        records = _told_by_plan_notices(plan, run, as_of)
        customer_ids = set(plan.emails) | set(plan.tasks)
        customers = Customer.objects.select_related("portfolio__collector__collector_profile").in_bulk(customer_ids)
        invoice_ids = [line.invoice_id for lines in (*plan.emails.values(), *plan.tasks.values()) for line in lines]
        invoices = Invoice.objects.in_bulk(invoice_ids)
        steps = DunningStep.objects.select_related("template").in_bulk(plan.steps)
        recipients = dunning_recipients(plan.emails)
        queued: list[int] = []
        tasks = dict(plan.tasks)
        unreachable: set[int] = set()
        for customer_id, lines in plan.emails.items():
            contact = recipients.get(customer_id)
            if contact is None:  # nobody to email: the collector makes the contact instead
                tasks[customer_id] = tasks.get(customer_id, []) + lines
                unreachable.add(customer_id)
                continue
            try:
                with transaction.atomic():  # this customer's reminder only
                    message = _queue_reminder(customers[customer_id], contact, lines, invoices, steps, as_of, run)
            except Exception as exc:  # noqa: BLE001 - recorded on the message and a task; the pass goes on
                _reminder_failed(customers[customer_id], contact, lines, invoices, steps, as_of, run, exc)
                continue
            if message is not None:
                queued.append(message.pk)
                records += [InvoiceStepSent(invoice_id=ln.invoice_id, step_id=ln.step_id, offset_days=ln.offset_days,
                                            outcome="sent", on=as_of, run=run, message=message) for ln in lines]
        for customer_id, lines in tasks.items():
            _raise_hand_over(customers[customer_id], lines, invoices, steps, as_of,
                             no_email=customer_id in unreachable)
            records += [InvoiceStepSent(invoice_id=ln.invoice_id, step_id=ln.step_id, offset_days=ln.offset_days,
                                        outcome="task", on=as_of, run=run) for ln in lines]
        records += [InvoiceStepSent(invoice_id=ln.invoice_id, step_id=ln.step_id, offset_days=ln.offset_days,
                                    outcome="skipped", on=as_of, run=run) for ln in plan.skipped]
        InvoiceStepSent.objects.bulk_create(records, ignore_conflicts=True)
        # Fees and interest of the steps just recorded, for a person to approve (reminders.charges).
        charges_propose(as_of=as_of, run=run)
        run.messages_queued, run.tasks_raised, run.steps_skipped = len(queued) + notices, len(tasks), len(plan.skipped)
        run.messages_failed = OutboundMessage.objects.filter(run=run, status=OutboundMessage.Status.FAILED).count()
        run.finished_at = timezone.now()
        run.save(update_fields=["messages_queued", "tasks_raised", "steps_skipped", "messages_failed", "finished_at"])
        transaction.on_commit(lambda: messages_dispatch(queued))
    return run


def _told_by_plan_notices(plan: DunningPlan, run: DunningRun, as_of: date) -> list[InvoiceStepSent]:
    """A plan's invoices that its missed-installment message of this pass just listed are not
    reminded again in the same breath: the step due for them is recorded as sent with that
    message (InvoiceStepSent, the key both doors share), and the customer's reminder, if any,
    lists only the other invoices. Returns those records."""
    listed = dict(OutboundMessage.invoices.through.objects.filter(
        outboundmessage__kind=OutboundMessage.Kind.PLAN, outboundmessage__created_at__gte=run.started_at,
        outboundmessage__customer_id__in=list(plan.emails),
    ).values_list("invoice_id", "outboundmessage_id"))
    records: list[InvoiceStepSent] = []
    for customer_id, lines in list(plan.emails.items()):
        covered = [ln for ln in lines if ln.invoice_id in listed]
        if not covered:
            continue
        records += [InvoiceStepSent(invoice_id=ln.invoice_id, step_id=ln.step_id, offset_days=ln.offset_days,
                                    outcome="sent", on=as_of, run=run, message_id=listed[ln.invoice_id])
                    for ln in covered]
        rest = [ln for ln in lines if ln.invoice_id not in listed]
        if rest:
            plan.emails[customer_id] = rest
        else:
            del plan.emails[customer_id]
    return records


def _queue_reminder(customer, contact, lines, invoices, steps, as_of, run) -> OutboundMessage | None:
    top = max(lines, key=lambda ln: ln.offset_days)
    step = steps[top.step_id]
    key = message_key(customer.pk, step.pk, [ln.invoice_id for ln in lines], as_of)
    names = {ln.invoice_id: steps[ln.step_id].name for ln in lines}
    listed = [invoices[ln.invoice_id] for ln in lines]
    ctx = rendering.context_for(customer=customer, contact=contact, lines=lines_for(listed, as_of, names), key=key)
    made = rendering.render_message(step.template, ctx)  # --- html: both parts, in the recipient's language ---
    subject, body = made.subject, made.body
    message, created = OutboundMessage.objects.get_or_create(key=key, defaults={
        "customer": customer, "kind": OutboundMessage.Kind.DUNNING, "step": step, "run": run, "contact": contact,
        "to_email": contact.email, "subject": subject, "body": body,
        "html_body": made.html_body, "language": made.language,  # --- html ---
        # --- windows ---
        "not_before": not_before_for(customer, OutboundMessage.Kind.DUNNING),
        # --- end windows ---
    })
    if not created:
        if not message_render_failed(message):
            return None
        # Its template failed at an earlier pass today and renders now: the same message goes out.
        message.status, message.subject, message.body, message.run, message.error = (
            OutboundMessage.Status.QUEUED, subject, body, run, "")
        message.html_body, message.language = made.html_body, made.language  # --- html ---
        message.save(update_fields=["status", "subject", "body", "html_body", "language", "run", "error"])
    message.invoices.set(listed)
    return message


def _reminder_failed(customer, contact, lines, invoices, steps, as_of, run, error: Exception) -> None:
    """The customer's reminder could not be made: a failed message says why (the outbox shows it)
    and the collector gets a task. No step is recorded, so the next pass tries again."""
    step = steps[max(lines, key=lambda ln: ln.offset_days).step_id]
    listed = [invoices[ln.invoice_id] for ln in lines]
    message_failed(
        customer=customer, kind=OutboundMessage.Kind.DUNNING, contact=contact, invoices=listed, step=step, run=run,
        key=message_key(customer.pk, step.pk, [i.pk for i in listed], as_of), subject=f"{step.name} (not sent)",
        template=step.template, error=error, detail=rendering.invoice_table(lines_for(listed, as_of)),
    )


def _raise_hand_over(customer, lines, invoices, steps, as_of, no_email: bool = False) -> None:
    top = steps[max(lines, key=lambda ln: ln.offset_days).step_id]
    prefix = ("On paper (e-delivery off) — " if not customer.e_delivery
              else "No email address for reminders — ") if no_email else ""
    listed = [invoices[ln.invoice_id] for ln in lines]
    detail = rendering.invoice_table(lines_for(listed, as_of))
    total = rendering.totals(lines_for(listed, as_of))
    queue_task_raise(
        customer=customer, kind="dunning_step", title=f"{prefix}{top.name}: {len(listed)} invoice(s), {total}"[:200],
        detail=detail,
        due_on=as_of, key=message_key(customer.pk, top.pk, [i.pk for i in listed], as_of),
    )
