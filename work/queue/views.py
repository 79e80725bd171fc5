"""The collector's day: today's queue, the item panel and the actions that work its item; the
manager's open disputes. The account workspace's own actions are in accounts.actions."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_POST

from core import aging
from core.web import is_partial, safe_next_url
from ledger.models import Invoice
from ledger.selectors import visible_customers
from ledger.services import LedgerError
from portfolios.access import can_manage, collector_rows, role_required
from portfolios.models import Role
from work import disputes as dispute_services
from work import promises
from work import services as work_services
from work.models import Dispute
from work.plans import services as plans
from work.plans.forms import PlanForm
from work.queue import selectors
from work.queue.forms import (
    DisputeResolveForm,
    DisputeUpdateForm,
    EscalateForm,
    OutcomeForm,
    QueueFilterForm,
    ReassignItemForm,
    SnoozeForm,
)
from work.queue.models import QueueEntry
from work.queue.services import queue_build
from work.selectors import invoice_disputed
from work.timeline import timeline_for

QUEUE_ROWS = 100  # rows per "show more"; the whole list is reachable
PANEL_INVOICES = 12
PANEL_TIMELINE = 12

queue_roles = role_required(Role.COLLECTOR, Role.MANAGER)


def _collector_for(request, username: str | None):
    """Whose queue: a manager may open anyone's, a collector only their own (403 otherwise)."""
    User = get_user_model()
    username = username or request.GET.get("collector") or request.POST.get("collector")
    if not username or username == request.user.get_username():
        return request.user
    if not can_manage(request.user):
        raise PermissionDenied("Only managers open another collector's queue.")
    return get_object_or_404(User.objects.filter(collector_rows(request.user)), username=username,  # own teams'
                             portfolios__isnull=False)


def _visible_entry(request, pk: int) -> QueueEntry:
    """An item of an account the user may see; anything else is a 404, as if it did not exist."""
    return get_object_or_404(
        QueueEntry.objects.select_related("customer", "collector"),
        pk=pk, customer__in=visible_customers(request.user).values("pk"),
    )


def _list_context(request, collector, params: QueryDict, *, more: bool = False) -> dict:
    """The filtered, sorted open items: the first `page` × QUEUE_ROWS of them on a page (so a page
    without JavaScript shows everything up to there), or only the `page`-th slice for "show more"."""
    today = timezone.localdate()
    form = QueueFilterForm(params)
    form.is_valid()
    filters = form.filters()
    entries = selectors.queue_list(collector=collector, day=today, **filters)
    total = entries.count()
    page = form.cleaned_data.get("page") or 1
    page = max(1, min(page, (total + QUEUE_ROWS - 1) // QUEUE_ROWS or 1))
    start = (page - 1) * QUEUE_ROWS if more else 0
    rows = list(entries[start:page * QUEUE_ROWS])
    for entry in rows:  # the row's "oldest" column: days past due of its oldest invoice, and the bucket
        entry.days_past_due = (today - entry.oldest_due_on).days if entry.oldest_due_on else None
        entry.bucket = aging.BUCKET_LABELS[aging.bucket_of(entry.days_past_due or 0)]
    query = {k: v for k, v in filters.items() if v not in ("", None) and not (k == "sort" and v == "score")}
    if collector != request.user:
        query["collector"] = collector.get_username()
    return {
        "filter_form": form,
        "filter_error": form.error_text(),
        "filtered": any(value not in ("", None) for key, value in filters.items() if key != "sort"),
        "entries": rows,
        "shown": start + len(rows),
        "total": total,
        "next_page": page + 1 if page * QUEUE_ROWS < total else None,
        "filter_query": urlencode(query),
    }


def _queue_context(request, collector, *, open_entry=None, params: QueryDict | None = None) -> dict:
    today = timezone.localdate()
    ctx = {
        "nav": "queue",
        "today": today,
        "collector": collector,
        "own": collector == request.user,
        **_list_context(request, collector, request.GET if params is None else params),
        "base_currency": settings.BASE_CURRENCY,
        "counts": selectors.queue_counts(collector=collector, day=today),
        "built": QueueEntry.objects.filter(day=today, collector=collector).exists(),
        "open_entry": open_entry,
        "pick_collector": collector == request.user and can_manage(request.user)
        and not collector.portfolios.exists(),
    }
    if can_manage(request.user):
        User = get_user_model()
        ctx["collectors"] = (
            User.objects.filter(portfolios__isnull=False).distinct().order_by("username")
            .annotate(remaining=Count("queue_entries", filter=Q(queue_entries__day=today,
                                                                 queue_entries__status=QueueEntry.Status.OPEN)))
        )
    if open_entry is not None:
        ctx.update(_panel_context(request, open_entry))
    return ctx


def _panel_context(request, entry: QueueEntry, **forms) -> dict:
    customer = entry.customer
    escalation = entry.escalation or {}
    plan_form = forms.get("plan_form") or PlanForm(customer=customer)
    return {
        "entry": entry,
        "customer": customer,
        "contacts": list(customer.contacts.filter(active=True)),
        "invoices": list(Invoice.objects.filter(customer=customer, status=Invoice.Status.OPEN).annotate(
            disputed=invoice_disputed()
        ).order_by("due_date", "pk")[:PANEL_INVOICES]),
        "timeline": timeline_for(customer, limit=PANEL_TIMELINE),
        "outcome_form": forms.get("outcome_form") or OutcomeForm(customer=customer),
        "snooze_form": forms.get("snooze_form") or SnoozeForm(),
        "escalate_form": forms.get("escalate_form") or (EscalateForm(customer=customer, initial={
            "level": escalation.get("level"), "contact": escalation.get("contact"),
            "reason": escalation.get("why", "")}) if escalation else None),
        "reassign_form": ((forms.get("reassign_form") or ReassignItemForm(user=request.user))
                          if can_manage(request.user) else None),
        "plan_form": plan_form,
        "preview": plan_form.preview(),
        "today": timezone.localdate(),
    }


@require_GET
@queue_roles
def queue(request, username: str | None = None):
    collector = _collector_for(request, username)
    if is_partial(request) and request.htmx.target == "queue-more":
        ctx = {**_list_context(request, collector, request.GET, more=True), "base_currency": settings.BASE_CURRENCY}
        return render(request, "queue/queue.html#rows", ctx)
    ctx = _queue_context(request, collector)
    if is_partial(request) and request.htmx.target == "queue-list":
        return render(request, "queue/queue.html#list", ctx)
    return render(request, "queue/queue.html", ctx)


@require_POST
@queue_roles
def queue_refresh(request):
    """Score the collector's accounts now and store today's list (what the nightly job does)."""
    collector = _collector_for(request, None)
    promises.promises_settle()
    plans.plans_settle()
    queue_build(collector_ids=[collector.pk])
    ctx = _queue_context(request, collector, params=request.POST)
    if is_partial(request):
        return render(request, "queue/queue.html#list", {**ctx, "oob_counter": True})
    return redirect(reverse("queue") + (f"?{ctx['filter_query']}" if ctx["filter_query"] else ""))


@require_GET
@queue_roles
def queue_item(request, pk: int):
    entry = _visible_entry(request, pk)
    if is_partial(request):
        return render(request, "queue/queue.html#panel", _panel_context(request, entry))
    return render(request, "queue/queue.html", _queue_context(request, entry.collector or request.user,
                                                               open_entry=entry))


def _after_item(request, entry: QueueEntry, message: str):
    """The item leaves the list in place, the counter moves, and the next item opens."""
    if not is_partial(request):
        messages.success(request, message)
        collector = entry.collector or request.user
        return redirect(reverse("queue") + ("" if collector == request.user
                                            else f"?collector={collector.get_username()}"))
    today = timezone.localdate()
    remaining = selectors.queue_entries(collector=entry.collector, day=today).filter(status=QueueEntry.Status.OPEN)
    following = remaining.first()
    ctx = {"done_entry": entry, "message": message, "counts": selectors.queue_counts(collector=entry.collector,
                                                                                      day=today)}
    if following is not None:
        ctx.update(_panel_context(request, following))
    return render(request, "queue/queue.html#after", ctx)


def _panel_with_errors(request, entry: QueueEntry, status: int = 422, **forms):
    if not is_partial(request):
        return render(request, "queue/queue.html", {**_queue_context(request, entry.collector or request.user,
                                                                     open_entry=entry), **_panel_context(
                                                                         request, entry, **forms)}, status=status)
    return render(request, "queue/queue.html#panel", _panel_context(request, entry, **forms), status=status)


@require_POST
@queue_roles
def queue_item_log(request, pk: int):
    entry = _visible_entry(request, pk)
    form = OutcomeForm(request.POST, customer=entry.customer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            activity = work_services.outcome_log(
                customer=entry.customer, kind=data["kind"], outcome=data["outcome"], by=request.user,
                contact=data["contact"], invoices=data["invoices"], notes=data["notes"],
                next_action_on=data["next_action_on"], promise_amount=data["promise_amount"], pay_by=data["pay_by"],
                dispute_root_cause=data["dispute_root_cause"], dispute_owner=data["dispute_owner"] or "billing",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _after_item(request, entry, f"{entry.customer.name}: {activity.get_kind_display().lower()} "
                                               f"logged ({activity.get_outcome_display().lower()}).")
    return _panel_with_errors(request, entry, outcome_form=form)


@require_POST
@queue_roles
def queue_item_snooze(request, pk: int):
    entry = _visible_entry(request, pk)
    form = SnoozeForm(request.POST)
    if form.is_valid():
        snooze = work_services.queue_item_snooze(entry=entry, until=form.cleaned_data["until"],
                                                 reason=form.cleaned_data["reason"], by=request.user)
        return _after_item(request, entry, f"{entry.customer.name} snoozed until {date_format(snooze.until)}.")
    return _panel_with_errors(request, entry, snooze_form=form)


@require_POST
@queue_roles
def queue_item_escalate(request, pk: int):
    entry = _visible_entry(request, pk)
    form = EscalateForm(request.POST, customer=entry.customer)
    if form.is_valid():
        escalation = work_services.escalate(
            customer=entry.customer, level=form.cleaned_data["level"], to_contact=form.cleaned_data["contact"],
            reason=form.cleaned_data["reason"], by=request.user,
        )
        return _after_item(request, entry, f"{entry.customer.name} escalated to {escalation.level.name}.")
    return _panel_with_errors(request, entry, escalate_form=form)


@require_POST
@queue_roles
def queue_item_plan(request, pk: int):
    """Offer a payment plan from the queue: the plan is agreed and the item leaves today's list."""
    entry = _visible_entry(request, pk)
    form = PlanForm(request.POST, customer=entry.customer)
    if form.is_valid():
        try:
            plan = plans.plan_create(invoices=form.cleaned_data["invoices"], installments=form.installments,
                                     by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _after_item(request, entry, f"{entry.customer.name}: payment plan of {plan.total_amount:,} "
                                               f"{plan.currency} in {len(form.installments)} installments agreed.")
    return _panel_with_errors(request, entry, plan_form=form)


@require_POST
@role_required(Role.MANAGER)
def queue_item_reassign(request, pk: int):
    entry = _visible_entry(request, pk)
    form = ReassignItemForm(request.POST, user=request.user)
    if form.is_valid():
        portfolio, was = form.cleaned_data["portfolio"], QueueEntry(pk=entry.pk, customer=entry.customer,
                                                                     collector=entry.collector)
        work_services.queue_item_reassign(entry=entry, portfolio=portfolio, by=request.user,
                                          reason=form.cleaned_data["reason"])
        return _after_item(request, was, f"{entry.customer.name} moved to {portfolio}.")
    return _panel_with_errors(request, entry, reassign_form=form)


@require_GET
@role_required(Role.MANAGER)
def disputes(request):
    """Open disputes by internal owner and age, for the manager."""
    today = timezone.localdate()
    customers = visible_customers(request.user)
    owner = request.GET.get("owner", "")
    rows = list(selectors.open_disputes(customers=customers, on=today, owner=owner)[:200])
    for dispute in rows:
        dispute.age = (today - dispute.opened_on).days
    ctx = {"nav": "queue", "today": today, "owner": owner, "owners": Dispute.Owner.choices, "disputes": rows,
           "by_owner": selectors.open_disputes_by_owner(customers=customers, on=today),
           "base_currency": settings.BASE_CURRENCY,
           "update_form": DisputeUpdateForm(), "resolve_form": DisputeResolveForm()}
    if is_partial(request):
        return render(request, "queue/disputes.html#table", ctx)
    return render(request, "queue/disputes.html", ctx)


def _visible_dispute(request, pk: int) -> Dispute:
    return get_object_or_404(Dispute.objects.select_related("customer"), pk=pk,
                             customer__in=visible_customers(request.user).values("pk"))


def _back(request, default: str):
    return redirect(safe_next_url(request, default))


@require_POST
@queue_roles
def dispute_update(request, pk: int):
    dispute = _visible_dispute(request, pk)
    form = DisputeUpdateForm(request.POST)
    if form.is_valid():
        try:
            dispute_services.dispute_update(dispute=dispute, by=request.user, **form.cleaned_data)
            messages.success(request, f"Dispute on {dispute.customer.name} updated.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Nothing saved: choose a status and an owner.")
    return _back(request, reverse("disputes"))


@require_POST
@queue_roles
def dispute_resolve(request, pk: int):
    dispute = _visible_dispute(request, pk)
    form = DisputeResolveForm(request.POST)
    if form.is_valid():
        try:
            done = dispute_services.dispute_resolve(dispute=dispute, by=request.user, **form.cleaned_data)
            messages.success(request, f"Dispute on {dispute.customer.name} resolved." if not done.is_open else
                             f"Dispute on {dispute.customer.name}: the credit is above your approval limit and "
                             f"waits for a manager's approval (Corrections waiting for approval).")
        except (ValidationError, LedgerError) as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Nothing saved: choose a resolution.")
    return _back(request, reverse("disputes"))
