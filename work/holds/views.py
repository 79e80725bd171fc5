"""Credit hold pages: the accounts on hold and the hold rules. An account is held and released from
its workspace (accounts.holds)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ledger.selectors import visible_customers
from portfolios.access import any_role, manager_required
from work.holds import selectors, services
from work.holds.forms import CreditHoldRuleForm
from work.holds.models import CreditHoldRule

EVENTS_SHOWN = 50


@require_GET
@any_role
def holds(request):
    """Accounts on credit hold with the balance they represent, and the latest holds and releases.
    Each sees the accounts they may open (portfolios.access.customer_rows): a collector their
    portfolio, a manager their teams', the head of collections and finance the whole book."""
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
    """Managers add, change and switch off the rules that put accounts on hold every night. The rules
    are the company's, shared by its managers (portfolios.role_table: scope "book")."""
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
