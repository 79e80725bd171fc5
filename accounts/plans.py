"""Payment plans from the workspace, under /accounts/<pk>/plans/: offer a plan (with a live preview
of the installments), renegotiate one, cancel one. The plan form opens in the plans panel; each
action answers with that panel (HTMX) or a redirect to the page, a refused form with its errors in
the panel or the whole page (422). The queue panel offers plans with the same form
(work.queue.views.queue_item_plan)."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.workspace import panel_done, show_panel, work_roles, workspace_customer
from ledger.models import Customer
from work.plans import services
from work.plans.forms import PlanCancelForm, PlanForm
from work.plans.models import PaymentPlan

PANEL = "plans"


def _live_plan(customer: Customer, plan_id: int) -> PaymentPlan:
    return get_object_or_404(PaymentPlan.objects.filter(customer=customer, status__in=services.LIVE), pk=plan_id)


def _plans_url(customer: Customer) -> str:
    return reverse("account", args=[customer.pk]) + "#plans"


@require_GET
@work_roles
def plan_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The installments the form would create, swapped in while the collector types."""
    customer = workspace_customer(request, pk)
    plan = _live_plan(customer, int(request.GET["plan"])) if request.GET.get("plan", "").isdigit() else None
    form = PlanForm(request.GET, customer=customer, renegotiating=plan)
    return render(request, "plans/_plan_fields.html#preview", {"preview": form.preview(), "plan_form": form})


@require_http_methods(["GET", "POST"])
@work_roles
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    customer = workspace_customer(request, pk)
    form = PlanForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(invoices=form.cleaned_data["invoices"], installments=form.installments,
                                        by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return panel_done(request, customer, PANEL, f"Payment plan agreed: {plan.total_amount:,} "
                              f"{plan.currency} in {len(form.installments)} installment(s).", to=_plans_url(customer))
    return show_panel(request, customer, PANEL, {"plan_form": form}, status=422 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@work_roles
def plan_renegotiate(request: HttpRequest, pk: int, plan_id: int) -> HttpResponse:
    customer = workspace_customer(request, pk)
    plan = _live_plan(customer, plan_id)
    initial = {"invoices": [i.pk for i in plan.invoices.filter(status="open")], "count": 3}
    form = PlanForm(request.POST or None, customer=customer, renegotiating=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.plan_renegotiate(plan=plan, invoices=form.cleaned_data["invoices"], by=request.user,
                                            installments=form.installments, note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return panel_done(request, customer, PANEL, f"Plan renegotiated: {new.total_amount:,} {new.currency} "
                              f"in {len(form.installments)} installment(s); the old plan is kept as history.",
                              to=_plans_url(customer))
    return show_panel(request, customer, PANEL, {"plan_form": form, "plan": plan},
                      status=422 if form.is_bound else 200)


@require_POST
@work_roles
def plan_cancel(request: HttpRequest, pk: int, plan_id: int) -> HttpResponse:
    customer = workspace_customer(request, pk)
    plan = _live_plan(customer, plan_id)
    form = PlanCancelForm(request.POST)
    if not form.is_valid():
        return show_panel(request, customer, PANEL, {"cancel_form": form, "cancelling": plan.pk}, status=422,
                          error="Nothing cancelled: say why the plan is cancelled.")
    services.plan_cancel(plan=plan, reason=form.cleaned_data["reason"], by=request.user)
    return panel_done(request, customer, PANEL, "Plan cancelled; its invoices are back in normal dunning.",
                      to=_plans_url(customer))
