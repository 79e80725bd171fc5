"""Credit hold pages: hold / release on the account, the accounts on hold, and the hold rules."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ledger.selectors import visible_customers
from portfolios import access
from portfolios.access import any_role, manager_required
from work.holds import selectors, services
from work.holds.forms import CreditHoldRuleForm, HoldForm, ReleaseForm
from work.holds.models import CreditHoldRule

EVENTS_SHOWN = 50


def _form_errors(request, form, what: str) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, f"{what}: {error}")


@require_http_methods(["GET", "POST"])
@any_role
def account_credit_hold(request, pk: int):
    """The account's credit hold: its state and history, and the form to hold or release it. A
    collector (on their own accounts) or a manager puts an account on hold, with a reason."""
    customer = get_object_or_404(visible_customers(request.user), pk=pk)
    form = HoldForm(request.POST or None)
    if request.method == "POST":
        if not access.may_hold(request.user):
            raise PermissionDenied("Only collectors and managers put accounts on credit hold.")
        if form.is_valid():
            try:
                services.credit_hold_place(customer=customer, reason=form.cleaned_data["reason"], by=request.user)
            except services.CreditHoldError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"{customer.name} is on credit hold: the ERP will block new orders.")
            return redirect("account_credit_hold", pk=customer.pk)
    ctx = {
        "nav": "accounts", "customer": customer, "hold_form": form, "release_form": ReleaseForm(),
        "events": selectors.hold_events().filter(customer=customer).order_by("-pk")[:EVENTS_SHOWN],
        "can_hold": access.may_hold(request.user),
        "can_release": access.may_release(request.user),
    }
    return render(request, "holds/account_hold.html", ctx, status=400 if form.errors else 200)


@require_POST
@manager_required
def account_credit_release(request, pk: int):
    """Only a manager releases a credit hold: it lets the account's orders flow again."""
    customer = get_object_or_404(visible_customers(request.user), pk=pk)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form, "Not released")
    else:
        try:
            services.credit_hold_release(customer=customer, by=request.user, **form.cleaned_data)
        except services.CreditHoldError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Credit hold on {customer.name} released.")
    return redirect("account_credit_hold", pk=customer.pk)


@require_GET
@any_role
def holds(request):
    """Accounts on credit hold with the balance they represent, and the latest holds and releases.
    Managers and finance see the whole book, a collector their own portfolio."""
    customers = visible_customers(request.user)
    ctx = {
        "nav": "accounts",
        "book": selectors.accounts_on_hold(customers),
        "events": selectors.recent_hold_events(customers, limit=EVENTS_SHOWN),
        "events_shown": EVENTS_SHOWN,
    }
    return render(request, "holds/holds.html", ctx)


@require_http_methods(["GET", "POST"])
@manager_required
def hold_rules(request, pk: int | None = None):
    """Managers add, change and switch off the rules that put accounts on hold every night."""
    rule = get_object_or_404(CreditHoldRule, pk=pk) if pk else None
    form = CreditHoldRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = services.credit_hold_rule_save(rule=form.save(commit=False))
        messages.success(request, f"Rule “{saved.name}” saved; it applies from the next pass of the rules.")
        return redirect("hold_rules")
    ctx = {"nav": "accounts", "rules": selectors.hold_rules(), "form": form, "rule": rule}
    return render(request, "holds/rules.html", ctx, status=400 if form.errors else 200)


@require_POST
@manager_required
def hold_rules_run(request):
    """Run the rules now rather than waiting for the night."""
    result = services.credit_holds_apply_rules(on=timezone.localdate())
    messages.success(request, f"{result.rules} active rule(s) checked: {result.held} account(s) put on hold.")
    return redirect("holds")
