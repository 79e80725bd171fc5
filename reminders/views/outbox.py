from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.web import is_partial
from ledger.models import Customer
from portfolios.access import any_role, manager_required
from reminders import selectors
from reminders.dunning import dunning_plan
from reminders.forms import OutboxFilterForm
from reminders.models import OutboundMessage
from reminders.tasks import dunning_run_daily

PER_PAGE = 50


@require_GET
@any_role
def outbox(request):
    form = OutboxFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    messages = selectors.outbox_for(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(messages, PER_PAGE).get_page(request.GET.get("page"))
    ctx = {"nav": "outbox", "form": form, "page": page, "counts": selectors.outbox_counts(messages)}
    if is_partial(request):
        return render(request, "reminders/outbox.html#results", ctx)
    return render(request, "reminders/outbox.html", ctx)


def _visible_message(request, pk) -> OutboundMessage:
    return get_object_or_404(
        selectors.outbox_for(request.user).select_related("contact", "step", "run").prefetch_related("invoices",
                                                                                                      "events"),
        pk=pk,
    )


@require_GET
@any_role
def outbox_message(request, pk: int):
    return render(request, "reminders/message.html", {"nav": "outbox", "message": _visible_message(request, pk)})


@require_GET
@any_role
def outbox_attachment(request, pk: int):
    message = _visible_message(request, pk)
    if not message.attachment:
        raise Http404("This message has no attachment.")
    return FileResponse(message.attachment.open("rb"), as_attachment=True,
                        filename=message.attachment_name or "attachment.pdf")


def _plan_rows(plan) -> list[dict]:
    customers = Customer.objects.in_bulk(set(plan.emails) | set(plan.tasks))
    rows = [
        {"customer": customers[cid], "action": action, "invoices": len(lines),
         "steps": sorted({plan.steps[ln.step_id]["name"] for ln in lines}),
         "oldest": max(ln.days_past_due for ln in lines)}
        for action, group in (("email", plan.emails), ("task", plan.tasks)) for cid, lines in group.items()
    ]
    rows.sort(key=lambda r: (r["customer"].name, r["action"]))
    return rows


@require_GET
@manager_required
def dunning(request):
    """What "Run today's pass now" would send, as a dry run for today (who would get what), and the
    history of runs. The button sends exactly this plan: the run is for today's date too."""
    today = timezone.localdate()
    plan = dunning_plan(today)
    ctx = {"nav": "outbox", "today": today, "plan": plan, "counts": plan.counts(), "rows": _plan_rows(plan)[:500],
           "runs": selectors.recent_runs()}
    return render(request, "reminders/dunning.html", ctx)


@require_POST
@manager_required
def dunning_run_now(request):
    """Today's pass by hand. It emails customers at once, so a post without `confirm` shows what it
    would send ("This sends N emails to N customers now") and asks; the confirmed post runs it."""
    today = timezone.localdate()
    if request.POST.get("confirm") != "yes":
        plan = dunning_plan(today)
        return render(request, "reminders/dunning_confirm.html",
                      {"nav": "outbox", "today": today, "counts": plan.counts(), "customers": len(plan.emails)})
    dunning_run_daily.delay(today.isoformat(), "manager", request.user.pk)
    messages.success(request, "Today's dunning pass is running; refresh to see it in the history.")
    return redirect("dunning")
