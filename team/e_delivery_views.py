"""The e-delivery page: the coverage KPI, the worklist of accounts still on paper or without a
working AP email, the statements to print, and the managers' goals."""

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_POST

from core.web import is_partial
from ledger.selectors import visible_customers
from portfolios.access import any_role, has_role, manager_required
from portfolios.models import Role
from reminders.statements import statements_to_print
from team import e_delivery
from team.e_delivery_forms import EDeliveryFixForm, EDeliveryGoalForm
from team.e_delivery_services import customer_e_delivery_set, e_delivery_goal_set


@require_GET
@any_role
def e_delivery_page(request):
    """The KPI, the worklist's page and the goals' shares are kept figures (`team.e_delivery`); the
    statements to print are read as they are."""
    scope = e_delivery.scope_of(request.user)
    today = timezone.localdate()
    reason = request.GET.get("reason", "") if request.GET.get("reason") in e_delivery.REASONS else ""
    sort = request.GET.get("sort") if request.GET.get("sort") in e_delivery.SORTS else "balance"
    kept = e_delivery.worklist_page(**scope, reason=reason, sort=sort, page=request.GET.get("page") or "1",
                                    per_page=e_delivery.ROWS_PER_PAGE)
    page = Paginator(range(kept.count), e_delivery.ROWS_PER_PAGE).get_page(kept.number)  # the pager of the kept rows
    page.object_list = kept.rows
    ctx = {
        "nav": "team", "coverage": e_delivery.coverage_kept(**scope), "page": page, "reason": reason,
        "sort": sort, "reasons": e_delivery.REASONS, "today": today,
        "can_fix": has_role(request.user, Role.COLLECTOR, Role.MANAGER, Role.ADMIN),
        "to_print": statements_to_print(visible_customers(request.user).values("pk"), today),
        "goals": e_delivery.goals_progress(today), "goal_form": EDeliveryGoalForm(),
    }
    if is_partial(request):
        return render(request, "portfolios/e_delivery.html#worklist", ctx)
    return render(request, "portfolios/e_delivery.html", ctx)


@require_POST
@any_role
def e_delivery_fix(request, pk: int):
    """Switch an account to email or paper, or give it a working AP email (collectors on their
    own accounts, managers on any)."""
    if not has_role(request.user, Role.COLLECTOR, Role.MANAGER, Role.ADMIN):
        raise PermissionDenied("Only collectors and managers change how an account is billed.")
    customer = get_object_or_404(visible_customers(request.user), pk=pk)
    form = EDeliveryFixForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            customer_e_delivery_set(customer=customer, by=request.user, **form.changes())
        except ValidationError as failure:
            error = " ".join(failure.messages)
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    if request.htmx:
        row = e_delivery.e_delivery_worklist(visible_customers(request.user).filter(pk=pk)).first()
        if row is not None:
            row.why = [e_delivery.REASONS[key] for key in e_delivery.reasons_of(row)]
        return render(request, "portfolios/e_delivery.html#row",
                      {"row": row, "done": customer, "error": error, "can_fix": True})
    if error:
        messages.error(request, f"{customer.name}: {error}")
    else:
        messages.success(request, f"{customer.name}: delivery updated.")
    return redirect(reverse("e_delivery") + f"#account-{customer.pk}")


@require_POST
@manager_required
def e_delivery_goal(request):
    """Set a goal: baseline is today's share of the scope, target from the gain or typed in."""
    form = EDeliveryGoalForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Goal not set: {error}")
        return redirect("e_delivery")
    today = timezone.localdate()
    team = form.cleaned_data["team"]
    baseline = e_delivery.e_delivery_coverage(e_delivery.scope_customers(team), with_ar=False).customer_share
    if baseline is None:
        messages.error(request, "Goal not set: there is no active customer in that scope.")
        return redirect("e_delivery")
    try:
        goal = e_delivery_goal_set(
            team=team, starts_on=today, ends_on=today + relativedelta(months=form.cleaned_data["months"]),
            baseline_share=baseline, target_share=form.target_share(baseline), note=form.cleaned_data["note"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, "Goal not set: " + " ".join(error.messages))
        return redirect("e_delivery")
    messages.success(request, f"Goal set: {goal.baseline_share:.1%} → {goal.target_share:.1%} "
                              f"by {date_format(goal.ends_on)}.")
    return redirect("e_delivery")
