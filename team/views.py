"""The team pages: dashboard, targets, weekly one-on-ones, help-needed flags and root causes."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exports import frame_response
from core.params import Param, latest_future, month_param, week_param
from core.web import safe_next_url
from ledger.selectors import visible_customers
from portfolios.access import (
    any_role,
    can_manage,
    collector_rows,
    customer_rows,
    manager_required,
    manages_collector,
    portfolio_rows,
    role_required,
    sees_collector,
    sees_everything,
)
from portfolios.models import Role
from reporting.root_causes import months_back, root_causes
from team import e_delivery, exports, selectors, services
from team.dashboard import TOP_ACCOUNTS, dashboard_chart, team_dashboard
from team.forms import HelpRequestForm, HelpResolveForm, OneOnOneForm, PeriodForm, TargetForm
from team.models import HelpRequest, OneOnOne
from team.one_on_one import (
    can_edit_one_on_one,
    collector_for_page,
    last_week,
    one_on_one_history,
    one_on_one_summary,
    week_of,
)
from work.models import Dispute


def _export(request, frames: dict, stem: str):
    """?export=<table>&format=csv|xlsx downloads one table of the page; None when not asked."""
    table, fmt = request.GET.get("export"), request.GET.get("format", "csv")
    if not table:
        return None
    if table not in frames or fmt not in exports.EXPORT_FORMATS:
        raise Http404("No such table.")
    return frame_response(frames[table](), f"{stem}-{table}", fmt)


DISPUTES_SHOWN = 25  # the oldest open disputes on the dashboard; all of them in its download and on /disputes/


def _page(request, template: str, context: dict, partial: str):
    return render(request, f"{template}#{partial}" if request.htmx else template, context)


@require_GET
@any_role
def team(request):
    """Managers see every collector, finance reads the same page, a collector sees their own row."""
    period = PeriodForm(request.GET)
    as_of, days = period.values(timezone.localdate())
    collectors = list(selectors.collectors_visible_to(request.user))  # a list: the dashboard is kept per list
    dashboard = team_dashboard(collectors=collectors, as_of=as_of, period_days=days, families=period.families)
    labels = dict(Dispute.RootCause.choices)
    download = _export(request, {
        "collectors": lambda: exports.collectors_frame(dashboard),
        "accounts": lambda: exports.accounts_frame(dashboard),
        "disputes": lambda: exports.disputes_frame(dashboard),
        "cycle": lambda: exports.cycle_frame(dashboard, labels),
    }, f"team-{as_of}")
    if download:
        return download
    context = {"nav": "team", "dashboard": dashboard, "days": days, "period": period, "families": period.families,
               "param_errors": period.messages,
               "cause_labels": labels, "can_manage": can_manage(request.user),
               "chart": dashboard_chart(dashboard), "top": TOP_ACCOUNTS,
               "disputes_shown": DISPUTES_SHOWN, "disputes_slice": f":{DISPUTES_SHOWN}"}
    if not request.htmx:  # the goals sit outside the dashboard fragment that the filters swap
        context["e_delivery_goals"] = e_delivery.goals_progress(timezone.localdate())
    return _page(request, "portfolios/team.html", context, "dashboard")


@require_http_methods(["GET", "POST"])
@any_role
def targets(request):
    """Targets for the month against cash collected and the forecast; managers set them."""
    today = timezone.localdate()
    month_asked = month_param(request.GET.get("month"), default=today.replace(day=1), latest=latest_future(today))
    month = month_asked.value
    as_of = min(today, selectors.month_bounds(month)[1])
    form = TargetForm(request.POST or None, initial={"month": month.strftime("%Y-%m")})
    form.fields["collector"].queryset = form.fields["collector"].queryset.filter(collector_rows(request.user))
    form.fields["portfolio"].queryset = form.fields["portfolio"].queryset.filter(portfolio_rows(request.user))
    if request.method == "POST":
        if not can_manage(request.user):
            raise PermissionDenied("Only managers set targets.")
        if form.is_valid():
            services.monthly_target_set(by=request.user, **form.cleaned_data)
            messages.success(request, "Target saved.")
            return redirect(f"{reverse('team_targets')}?month={form.cleaned_data['month']:%Y-%m}")
    rows = selectors.target_rows(collectors=selectors.collectors_visible_to(request.user), as_of=as_of)
    download = _export(request, {"targets": lambda: exports.targets_frame(rows, month)}, f"targets-{month:%Y-%m}")
    if download:
        return download
    context = {"nav": "team", "rows": rows, "total": selectors.target_totals(rows), "month": month, "as_of": as_of,
               "param_errors": [month_asked.error] if month_asked.error else [],
               "form": form, "can_manage": can_manage(request.user),
               "previous": (month - timedelta(days=1)).replace(day=1),
               "next": (month + timedelta(days=32)).replace(day=1)}
    return _page(request, "portfolios/targets.html", context, "targets")


def _week(request) -> Param[date]:
    """The week asked for (any day of it), last week by default; a refused one says why."""
    today = timezone.localdate()
    return week_param(request.GET.get("week") or request.POST.get("week"), default=last_week(today),
                      latest=latest_future(today))


@require_http_methods(["GET", "POST"])
@any_role
def one_on_one(request, username: str):
    """The week's generated summary, then the manager's notes and action items, saved per week."""
    collector, allowed = collector_for_page(request.user, username)
    if not (allowed and sees_collector(request.user, collector)):  # a manager: their own teams' collectors
        raise PermissionDenied("You can open only your own one-on-one.")
    week_asked = _week(request)
    week = week_of(week_asked.value)
    saved = OneOnOne.objects.filter(collector=collector, week_start=week).first()
    form = OneOnOneForm(request.POST or None, instance=saved)
    if request.method == "POST":
        if not (can_edit_one_on_one(request.user) and manages_collector(request.user, collector)):
            raise PermissionDenied("Only the collector's manager records one-on-one notes.")
        if form.is_valid():
            saved = services.one_on_one_save(
                collector=collector, week_start=week, by=request.user,
                summary=one_on_one_summary(collector=collector, week_start=week), **form.cleaned_data,
            )
            # Post/redirect/get, htmx or not: a reload shows the saved notes, it never posts them again.
            # htmx follows the redirect with its HX-Request header and swaps in the notes fragment.
            page = f"{reverse('one_on_one', args=[username])}?week={week}"
            if request.htmx:
                return redirect(f"{page}&saved=1")
            messages.success(request, "One-on-one saved.")
            return redirect(page)
    summary = saved.summary if saved and saved.summary else one_on_one_summary(
        collector=collector, week_start=week)
    download = _export(request, {"summary": lambda: exports.summary_frame(summary)},
                       f"one-on-one-{username}-{week}")
    if download:
        return download
    context = {"nav": "team", "collector": collector, "week": week, "week_end": week + timedelta(days=6),
               "summary": summary, "saved": saved, "form": form,
               "can_edit": can_edit_one_on_one(request.user),
               "history": one_on_one_history(collector),
               "previous": week - timedelta(days=7), "next": week + timedelta(days=7),
               "just_saved": request.GET.get("saved") == "1" and saved is not None,
               "param_errors": [week_asked.error] if week_asked.error else []}
    return _page(request, "portfolios/one_on_one.html", context, "notes")


@require_http_methods(["GET", "POST"])
@any_role
def help_needed(request):
    """Collectors flag accounts they need help with; managers see every open flag and resolve it."""
    customers = visible_customers(request.user)
    initial = {"customer": request.GET.get("customer")} if request.GET.get("customer") else None
    form = HelpRequestForm(request.POST or None, customers=customers, initial=initial)
    if request.method == "POST":
        if not selectors.can_raise_help(request.user):
            raise PermissionDenied("Only collectors flag accounts for help.")
        if request.POST.get("customer") and not customers.filter(pk=form["customer"].value()).exists():
            raise Http404("No such account in your portfolio.")
        if form.is_valid():
            services.help_request_raise(by=request.user, **form.cleaned_data)
            messages.success(request, "Flagged: it will come up in your next one-on-one.")
            return redirect("team_help")
    context = {"nav": "team", "form": form, "items": selectors.help_requests_for(request.user),
               "can_raise": selectors.can_raise_help(request.user), "can_manage": can_manage(request.user)}
    return render(request, "portfolios/help.html", context)


@require_POST
@manager_required
def help_resolve(request, pk: int):
    help_request = get_object_or_404(HelpRequest.objects.filter(customer_rows(request.user, "customer")), pk=pk)
    form = HelpResolveForm(request.POST)
    services.help_request_resolve(help_request=help_request, by=request.user,
                                  resolution=form.data.get("resolution", "")[:300])
    messages.success(request, "Help request resolved.")
    return redirect(safe_next_url(request, reverse("team_help")))


@require_GET
@role_required(Role.MANAGER, Role.FINANCE, Role.COLLECTOR)
def root_causes_page(request):
    """Disputes and late payments by root cause and by customer, month by month (12 months)."""
    period = PeriodForm(request.GET)
    end = period.values(timezone.localdate())[0]
    start = months_back(end, 12)
    customers = None if sees_everything(request.user) else visible_customers(request.user)
    report = root_causes(start=start, end=end, customers=customers)
    frames = exports.root_cause_frames(report)
    download = _export(request, {name: (lambda f=f: f) for name, f in frames.items()}, f"root-causes-{end}")
    if download:
        return download
    context = {"nav": "team", "report": report, "end": end, "period": period, "param_errors": period.messages,
               "chart": {"months": report.months, "disputes": report.chart("disputes_by_month"),
                         "late": report.chart("late_by_month")}}
    return render(request, "portfolios/root_causes.html", context)
