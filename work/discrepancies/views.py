"""The discrepancies worklist: possible duplicates and discrepancies on the accounts the user may open,
filtered by kind and status, each confirmed or dismissed with a note in place (HTMX; without
JavaScript the forms post and come back to the list)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from core.web import is_partial
from ledger.selectors import visible_customers
from portfolios.access import role_required, roles_of
from portfolios.models import Role
from portfolios.role_table import rule_for
from work.discrepancies import selectors, services
from work.discrepancies.forms import DecisionForm, DiscrepancyFilterForm
from work.discrepancies.models import Discrepancy

ROWS = 100

readers = role_required(Role.COLLECTOR, Role.MANAGER, Role.FINANCE)
workers = role_required(Role.COLLECTOR, Role.MANAGER)


class SignedInRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def _may_decide(user: User) -> bool:
    rule = rule_for("discrepancy_confirm")
    return rule is not None and rule.allows(roles_of(user), "POST")


@require_GET
@readers
def discrepancies(request: SignedInRequest) -> HttpResponse:
    form = DiscrepancyFilterForm(request.GET)
    chosen = form.filters()
    customers = visible_customers(request.user)
    flags = selectors.worklist(customers, **chosen)
    ctx = {"nav": "queue", "filter_form": form, "filter_error": form.error_text(), "rows": list(flags[:ROWS]),
           "total": flags.count(), "open_counts": selectors.open_counts(customers),
           "filter_query": urlencode({k: v for k, v in request.GET.items() if k in form.fields}),
           "may_decide": _may_decide(request.user)}
    if is_partial(request) and request.htmx.target == "discrepancy-list":
        return render(request, "discrepancies/worklist.html#list", ctx)
    return render(request, "discrepancies/worklist.html", ctx)


def _visible_flag(request: SignedInRequest, pk: int) -> Discrepancy:
    return get_object_or_404(selectors.worklist(visible_customers(request.user)), pk=pk)


def _decided(request: SignedInRequest, flag: Discrepancy, *, done: str = "", error: str = "") -> HttpResponse:
    """The row in place (HTMX, 422 with the error beside the form), or back to the list with a message."""
    if not is_partial(request):
        (messages.error if error else messages.success)(request, error or done)
        back = request.POST.get("back", "")
        return redirect(reverse("discrepancies") + (f"?{back}" if back else ""))
    ctx = {"row": _visible_flag(request, flag.pk), "row_error": error, "row_done": done,
           "row_note": request.POST.get("note", "") if error else "", "may_decide": _may_decide(request.user)}
    return render(request, "discrepancies/worklist.html#row", ctx, status=422 if error else 200)


@require_POST
@workers
def discrepancy_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    flag = _visible_flag(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _decided(request, flag, error=" ".join(form.errors.get("note", ["Check the note."])))
    try:
        flag = services.discrepancy_confirm(discrepancy=flag, by=request.user, note=form.cleaned_data["note"])
    except services.DiscrepancyError as refused:
        return _decided(request, flag, error=" ".join(refused.messages))
    return _decided(request, flag, done=f"Confirmed. Task raised: {services.follow_up_title(flag)}.")


@require_POST
@workers
def discrepancy_dismiss(request: SignedInRequest, pk: int) -> HttpResponse:
    flag = _visible_flag(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _decided(request, flag, error=" ".join(form.errors.get("note", ["Check the note."])))
    try:
        flag = services.discrepancy_dismiss(discrepancy=flag, by=request.user, note=form.cleaned_data["note"])
    except services.DiscrepancyError as refused:
        return _decided(request, flag, error=" ".join(refused.messages))
    return _decided(request, flag, done="Dismissed: it will not be flagged again.")
