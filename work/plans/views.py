"""A collector's payment-plan pages under /accounts/<pk>/plans/: offer a plan (with a live preview
of the installments), renegotiate one, cancel one. The queue panel offers plans through
`work.queue.views.queue_item_plan` with the same form."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ledger.selectors import visible_customers
from portfolios.access import role_required
from portfolios.models import Role
from work.plans import services
from work.plans.forms import PlanCancelForm, PlanForm
from work.plans.models import PaymentPlan

plan_roles = role_required(Role.COLLECTOR, Role.MANAGER)


def _customer(request, pk: int):
    return get_object_or_404(visible_customers(request.user), pk=pk)


def _live_plan(customer, plan_id: int) -> PaymentPlan:
    return get_object_or_404(PaymentPlan.objects.filter(customer=customer, status__in=services.LIVE), pk=plan_id)


def _back(customer):
    return redirect(customer.get_absolute_url() + "#plans")


def _page(request, customer, form, *, plan=None, status=200):
    ctx = {"nav": "accounts", "customer": customer, "plan_form": form, "plan": plan, "preview": form.preview()}
    return render(request, "plans/plan_form.html", ctx, status=status)


@require_GET
@plan_roles
def plan_preview(request, pk: int):
    """The installments the form would create, swapped in while the collector types."""
    customer = _customer(request, pk)
    plan = _live_plan(customer, int(request.GET["plan"])) if request.GET.get("plan", "").isdigit() else None
    form = PlanForm(request.GET, customer=customer, renegotiating=plan)
    return render(request, "plans/_plan_fields.html#preview", {"preview": form.preview(), "plan_form": form})


@require_http_methods(["GET", "POST"])
@plan_roles
def plan_new(request, pk: int):
    customer = _customer(request, pk)
    form = PlanForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(invoices=form.cleaned_data["invoices"], installments=form.installments,
                                        by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Payment plan agreed: {plan.total_amount:,} {plan.currency} in "
                                      f"{len(form.installments)} installment(s).")
            return _back(customer)
    return _page(request, customer, form, status=422 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@plan_roles
def plan_renegotiate(request, pk: int, plan_id: int):
    customer = _customer(request, pk)
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
            messages.success(request, f"Plan renegotiated: {new.total_amount:,} {new.currency} in "
                                      f"{len(form.installments)} installment(s); the old plan is kept as history.")
            return _back(customer)
    return _page(request, customer, form, plan=plan, status=422 if form.is_bound else 200)


@require_POST
@plan_roles
def plan_cancel(request, pk: int, plan_id: int):
    customer = _customer(request, pk)
    plan = _live_plan(customer, plan_id)
    form = PlanCancelForm(request.POST)
    if form.is_valid():
        services.plan_cancel(plan=plan, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, "Plan cancelled; its invoices are back in normal dunning.")
    else:
        messages.error(request, "Nothing cancelled: say why the plan is cancelled.")
    return _back(customer)
