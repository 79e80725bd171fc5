"""Payment plans: a customer's open invoices turned into dated installments.

A plan moves no money. Cash and credit still reach the invoices through `ledger.services`;
`plans_settle` reads what the plan's invoices received since the plan started and settles the
installments oldest first, the way `work.promises.promises_settle` settles promises. Renegotiating
or cancelling a plan ends it with a reason; the plan and its installments stay as history.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format

from core.money import ZERO, Amount
from ledger.models import Application, Invoice
from work.models import Activity, QueueTask
from work.plans import notices
from work.plans.models import PaymentPlan, PlanInstallment
from work.queue.services import queue_customer_acted
from work.services import account_worked, activity_log, queue_task_raise

# An installment not paid in full by its due date plus these days is missed: like a promise, it
# is missed the morning after its date, and the account tops that morning's queue.
GRACE_DAYS = 0
MAX_INSTALLMENTS = 36
LIVE = [PaymentPlan.Status.ACTIVE, PaymentPlan.Status.BROKEN]
CENT = Decimal("0.01")


class PlanError(ValidationError):
    """A plan that cannot be made as asked; nothing was written."""


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _checked_invoices(invoice_ids: Iterable[int], *, replacing: PaymentPlan | None) -> list[Invoice]:
    invoices = list(
        Invoice.objects.select_for_update(of=("self",)).select_related("customer")
        .filter(pk__in=list(invoice_ids)).order_by("due_date", "pk")
    )
    if not invoices:
        raise PlanError("Choose at least one open invoice for the plan.")
    closed = [i.external_id for i in invoices if i.status != Invoice.Status.OPEN or i.open_amount <= 0]
    if closed:
        raise PlanError(f"Only open invoices go into a plan: {', '.join(closed)} is not open.")
    if len({i.customer.family_top_pk for i in invoices}) > 1:  # one account family (its top)
        raise PlanError("A plan covers invoices of one customer or one account family.")
    if len({i.currency for i in invoices}) > 1:
        raise PlanError("A plan covers invoices in one currency.")
    in_plan = PaymentPlan.objects.filter(invoices__in=invoices, status__in=LIVE)
    if replacing is not None:
        in_plan = in_plan.exclude(pk=replacing.pk)
    taken = sorted(set(in_plan.values_list("invoices__external_id", flat=True)) & {i.external_id for i in invoices})
    if taken:
        raise PlanError(f"Already in a live payment plan: {', '.join(taken)}. Renegotiate that plan instead.")
    return invoices


def _checked_schedule(
    installments: Iterable[tuple[date, Amount]], total: Decimal, today: date,
) -> list[tuple[date, Decimal]]:
    schedule = [(due, Decimal(amount)) for due, amount in installments]
    if not 1 <= len(schedule) <= MAX_INSTALLMENTS:
        raise PlanError(f"A plan has between 1 and {MAX_INSTALLMENTS} installments.")
    for _due, amount in schedule:
        if amount <= 0 or amount != amount.quantize(CENT):
            raise PlanError(f"Installment amounts are positive, in cents: {amount} is not.")
    dates = [due for due, _ in schedule]
    if dates[0] < today:
        raise PlanError("The first installment cannot be in the past.")
    if any(later <= earlier for earlier, later in zip(dates, dates[1:], strict=False)):
        raise PlanError("Installment dates must be in ascending order, one installment per date.")
    planned = sum((amount for _, amount in schedule), ZERO)
    if planned != total:
        raise PlanError(f"The installments add up to {_money(planned)}; the invoices have {_money(total)} open.")
    return schedule


def plan_create(
    *, invoices: Iterable[Invoice], installments: Iterable[tuple[date, Amount]], by: User | None = None,
    source: str = PaymentPlan.Source.COLLECTOR, note: str = "", replaces: PaymentPlan | None = None,
) -> PaymentPlan:
    """Turn open invoices of one customer (or account family), in one currency, into dated
    installments that add up exactly to what is open on them. The first installment is today or
    later, dates ascend, and an invoice is in at most one live plan. While the plan is on track
    its invoices get no dunning; cash applied to them from today counts towards the installments."""
    today = timezone.localdate()
    with transaction.atomic():
        rows = _checked_invoices([i.pk for i in invoices], replacing=replaces)
        total = sum((i.open_amount for i in rows), ZERO)
        schedule = _checked_schedule(installments, total, today)
        customers = {i.customer for i in rows}
        customer = customers.pop() if len(customers) == 1 else rows[0].customer.family_head
        currency = rows[0].currency
        verb = "renegotiated" if replaces else "agreed"
        portal = source == PaymentPlan.Source.PORTAL
        activity = activity_log(
            customer=customer, by=by, invoices=rows, notes=note,
            kind=Activity.Kind.PORTAL_VISIT if portal else Activity.Kind.NOTE, outcome=Activity.Outcome.PROMISED,
            subject=(f"Payment plan {'set up in the portal' if portal else verb}: {len(schedule)} installment(s), "
                     f"{_money(total)} {currency}, first {date_format(schedule[0][0])}")[:200],
        )
        plan = PaymentPlan.objects.create(
            customer=customer, total_amount=total, currency=currency, source=source, starts_on=today,
            replaces=replaces, note=note, activity=activity, by=by,
        )
        plan.invoices.set(rows)
        PlanInstallment.objects.bulk_create([
            PlanInstallment(plan=plan, number=n, due_on=due, amount=amount)
            for n, (due, amount) in enumerate(schedule, start=1)
        ])
        if portal:
            queue_task_raise(
                customer=customer, kind=QueueTask.Kind.PORTAL_PLAN, key=f"portal:plan:{plan.pk}",
                title=(f"Portal payment plan: {_money(total)} {currency} in {len(schedule)} installment(s) "
                       f"for {', '.join(i.external_id for i in rows)}")[:200], detail=note,
            )
            queue_customer_acted(customer=customer, kind="plan", detail=f"{_money(total)} {currency} in "
                                                                         f"{len(schedule)} installment(s)")
        else:
            account_worked(customer=customer, by=by, activity=activity)
    return plan


def _end(plan: PaymentPlan, *, status: str, reason: str, on: date) -> None:
    """A plan that stops being paid as agreed: its unpaid, undue installments are cancelled and the
    missed-installment tasks it raised are closed; what was kept, late or missed stays."""
    plan.status, plan.ended_on, plan.end_reason = status, on, reason[:200]
    plan.save(update_fields=["status", "ended_on", "end_reason"])
    plan.installments.filter(status=PlanInstallment.Status.OPEN).update(status=PlanInstallment.Status.CANCELLED)
    notices.missed_tasks_close(plan_ids=[plan.pk])


def _locked_live(plan: PaymentPlan) -> PaymentPlan:
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if not plan.is_live:
        raise PlanError(f"This plan is {plan.get_status_display().lower()}; only a live plan can change.")
    return plan


def plan_renegotiate(
    *, plan: PaymentPlan, installments: Iterable[tuple[date, Amount]], invoices: Iterable[Invoice] | None = None,
    by: User | None = None, note: str = "",
) -> PaymentPlan:
    """Agree a new schedule for a live plan: the old plan is settled up to today and kept as
    renegotiated history, and a new plan replaces it over what is still open on its invoices (or
    the invoices named)."""
    today = timezone.localdate()
    with transaction.atomic():
        plan = _locked_live(plan)
        plans_settle(plan_ids=[plan.pk], on=today)
        if invoices is None:
            invoices = list(plan.invoices.filter(status=Invoice.Status.OPEN, open_amount__gt=0))
        _end(plan, status=PaymentPlan.Status.RENEGOTIATED, reason=note or "Renegotiated", on=today)
        new = plan_create(invoices=invoices, installments=installments, by=by, note=note, replaces=plan)
    return new


def plan_cancel(*, plan: PaymentPlan, reason: str, by: User | None = None) -> PaymentPlan:
    """Call a live plan off, for a reason: its invoices go back into normal dunning at once."""
    if not reason.strip():
        raise PlanError("Say why the plan is cancelled.")
    today = timezone.localdate()
    with transaction.atomic():
        plan = _locked_live(plan)
        plans_settle(plan_ids=[plan.pk], on=today)
        _end(plan, status=PaymentPlan.Status.CANCELLED, reason=reason.strip(), on=today)
        activity_log(customer=plan.customer, kind=Activity.Kind.NOTE, by=by, notes=reason.strip(),
                     subject=f"Payment plan of {_money(plan.total_amount)} {plan.currency} cancelled",
                     invoices=list(plan.invoices.all()))
    return plan


def _daily_cash(plans: dict[int, PaymentPlan], on: date) -> dict[int, list[tuple[date, Decimal]]]:
    """Per plan, the cash and credit applied to its invoices per day from its start up to `on`
    (reversals count negative). Two queries for any number of plans."""
    links = list(PaymentPlan.invoices.through.objects.filter(paymentplan_id__in=list(plans))
                 .values_list("paymentplan_id", "invoice_id"))
    plans_of: dict[int, list[int]] = defaultdict(list)
    for plan_id, invoice_id in links:
        plans_of[invoice_id].append(plan_id)
    earliest = min((p.starts_on for p in plans.values()), default=on)
    by_day: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for invoice_id, day, amount in (
        Application.objects.filter(invoice_id__in=list(plans_of), applied_on__gte=earliest, applied_on__lte=on)
        .order_by().values("invoice_id", "applied_on").annotate(total=Sum("amount"))
        .values_list("invoice_id", "applied_on", "total")
    ):
        for plan_id in plans_of[invoice_id]:
            if day >= plans[plan_id].starts_on:
                by_day[plan_id][day] += amount
    return {plan_id: sorted(days.items()) for plan_id, days in by_day.items()}


def _settle_one(
    plan: PaymentPlan, installments: list[PlanInstallment], cash: list[tuple[date, Decimal]], on: date,
) -> list[PlanInstallment]:
    """Fill the installments in order from the plan's cash; returns the ones newly missed."""
    newly_missed: list[PlanInstallment] = []
    cumulative, paid_in = ZERO, sum((amount for _, amount in cash), ZERO)
    for installment in installments:
        before, cumulative = cumulative, cumulative + installment.amount
        installment.amount_paid = min(max(paid_in - before, ZERO), installment.amount)
        # The day the running total last climbed to this installment's end: when it was paid.
        running, reached = ZERO, None
        for day, amount in cash:
            running += amount
            reached = (reached or day) if running >= cumulative else None
        was_missed = installment.status == PlanInstallment.Status.MISSED
        if installment.amount_paid == installment.amount:
            assert reached is not None  # paid in full: the running total ends at or above `cumulative`
            late = reached > installment.due_on + timedelta(days=GRACE_DAYS)
            installment.status = PlanInstallment.Status.LATE if late else PlanInstallment.Status.KEPT
            installment.settled_on = reached
        elif was_missed or on > installment.due_on + timedelta(days=GRACE_DAYS):  # missed stays missed
            installment.status, installment.settled_on = PlanInstallment.Status.MISSED, None
            installment.missed_on = installment.missed_on or on
            if not was_missed:
                newly_missed.append(installment)
        else:
            installment.status, installment.settled_on = PlanInstallment.Status.OPEN, None
    statuses = {i.status for i in installments}
    if statuses <= {PlanInstallment.Status.KEPT, PlanInstallment.Status.LATE}:
        # Each kept or late installment was given its settled_on above.
        plan.status, plan.ended_on = PaymentPlan.Status.COMPLETED, max(
            i.settled_on for i in installments if i.settled_on is not None)
    elif PlanInstallment.Status.MISSED in statuses:
        plan.status, plan.ended_on = PaymentPlan.Status.BROKEN, None
    else:
        plan.status, plan.ended_on = PaymentPlan.Status.ACTIVE, None
    return newly_missed


def plans_settle(
    *, invoice_ids: Iterable[int] | None = None, plan_ids: Iterable[int] | None = None, on: date | None = None,
) -> int:
    """Settle the installments of live plans from the cash and credit applied to their invoices
    since each plan started, oldest installment first. An installment paid in full by its due date
    is kept, after it late; one not paid in full by its due date (plus GRACE_DAYS) is missed: the
    plan is broken, its invoices fall back into dunning with the policy's missed-installment
    message, and the collector gets a task. A broken plan whose missed installments are all paid
    is on track again; a plan whose installments are all paid is completed, and reopens if money
    moved on its invoices takes that back (a reversed payment). Safe to run twice;
    a fixed number of queries for any number of plans. Returns how many plans changed status."""
    on = on or timezone.localdate()
    # Money moving on an invoice (a reversal, say) may also reopen a plan it had completed.
    statuses = LIVE if invoice_ids is None else [*LIVE, PaymentPlan.Status.COMPLETED]
    plans = PaymentPlan.objects.filter(status__in=statuses)
    if invoice_ids is not None:
        plans = plans.filter(pk__in=PaymentPlan.invoices.through.objects.filter(
            invoice_id__in=list(invoice_ids)).values("paymentplan_id"))
    if plan_ids is not None:
        plans = plans.filter(pk__in=list(plan_ids))
    with transaction.atomic(savepoint=False):  # part of the caller's write when there is one
        locked = {p.pk: p for p in plans.select_for_update(of=("self",)).select_related("customer")}
        if not locked:
            return 0
        before = {pk: p.status for pk, p in locked.items()}
        installments: dict[int, list[PlanInstallment]] = defaultdict(list)
        for installment in PlanInstallment.objects.filter(plan_id__in=list(locked)).order_by("plan_id", "number"):
            installments[installment.plan_id].append(installment)
        cash = _daily_cash(locked, on)
        settled_fields = ["amount_paid", "status", "settled_on", "missed_on"]

        def state(installment: PlanInstallment) -> tuple[object, ...]:
            return tuple(getattr(installment, name) for name in settled_fields)

        was = {i.pk: state(i) for rows in installments.values() for i in rows}
        missed = []
        for pk, plan in locked.items():
            missed += [(plan, i) for i in _settle_one(plan, installments[pk], cash.get(pk, []), on)]
        PlanInstallment.objects.bulk_update(  # only the installments this settlement changed
            [i for rows in installments.values() for i in rows if state(i) != was[i.pk]], settled_fields,
            batch_size=500,
        )
        changed = [p for pk, p in locked.items() if p.status != before[pk]]
        PaymentPlan.objects.bulk_update(changed, ["status", "ended_on"], batch_size=500)
        notices.missed_tasks_close(plan_ids=[p.pk for p in changed if p.status != PaymentPlan.Status.BROKEN])
        for plan, installment in missed:
            notices.installment_missed(plan=plan, installment=installment, installments=installments[plan.pk], on=on)
    return len(changed)
