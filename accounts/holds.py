"""Credit hold from the workspace: a collector (on their own accounts) or a manager puts the account
on hold, with a reason; only a manager releases it. The hold panel answers (HTMX), or the page;
a refused form comes back with its errors (400)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.workspace import panel_done, show_panel, workspace_customer
from portfolios import access
from portfolios.access import any_role, manager_required
from work.holds import services
from work.holds.forms import HoldForm, ReleaseForm

PANEL = "hold"


def _hold_url(pk: int) -> str:
    return reverse("account", args=[pk]) + "#credit-hold"


@require_http_methods(["GET", "POST"])
@any_role
def account_credit_hold(request: HttpRequest, pk: int) -> HttpResponse:
    """The account's credit hold (the page, at its hold panel, without HTMX); a post puts it on hold."""
    customer = workspace_customer(request, pk)
    if request.method == "GET":
        return show_panel(request, customer, PANEL)
    if not access.may_hold(request.user):
        raise PermissionDenied("Only collectors and managers put accounts on credit hold.")
    form = HoldForm(request.POST, auto_id="hold_%s")
    if not form.is_valid():
        return show_panel(request, customer, PANEL, {"hold_form": form}, status=400)
    try:
        services.credit_hold_place(customer=customer, reason=form.cleaned_data["reason"], by=request.user)
    except services.CreditHoldError as error:
        return show_panel(request, customer, PANEL, {"hold_form": form}, status=400, error=" ".join(error.messages))
    return panel_done(request, customer, PANEL, f"{customer.name} is on credit hold: the ERP will block new orders.",
                      to=_hold_url(pk))


@require_POST
@manager_required
def account_credit_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Only a manager releases a credit hold: it lets the account's orders flow again."""
    customer = workspace_customer(request, pk)
    form = ReleaseForm(request.POST, auto_id="release_%s")
    if not form.is_valid():
        return show_panel(request, customer, PANEL, {"release_form": form}, status=400)
    try:
        services.credit_hold_release(customer=customer, by=request.user, **form.cleaned_data)
    except services.CreditHoldError as error:
        return show_panel(request, customer, PANEL, {"release_form": form}, status=400,
                          error=" ".join(error.messages))
    return panel_done(request, customer, PANEL, f"Credit hold on {customer.name} released.",
                      to=_hold_url(pk))
