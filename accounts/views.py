"""The accounts list (search, filters, the manager's bulk move) and the account workspace's pages:
the workspace itself and the panels it swaps in place (accounts.workspace builds them). The
workspace's actions are in accounts.actions, .messages, .plans and .holds."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors
from accounts.forms import AccountFilterForm, ReassignForm
from accounts.workspace import PAGE, page_context, show_panel, work_roles, workspace_customer
from core.web import is_partial, safe_next_url
from ledger.assignments import customers_assign
from ledger.selectors import visible_customers
from portfolios.access import any_role, can_manage, manager_required, portfolio_rows, sees_everything

ACCOUNTS_PER_PAGE = 50


@require_GET
@any_role
def account_list(request: HttpRequest) -> HttpResponse:
    customers = visible_customers(request.user)
    today = timezone.localdate()
    form = AccountFilterForm(request.GET, customers=customers, show_collector=sees_everything(request.user))
    accounts = selectors.accounts_search(customers, on=today, **form.filters())
    page = Paginator(accounts, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for account in page.object_list:
        account.oldest_days_past_due = (today - account.oldest_due_on).days if account.oldest_due_on else None
    ctx = {"nav": "accounts", "form": form, "page": page, "today": today}
    if can_manage(request.user):
        ctx["reassign_form"] = _reassign_form(request, None, customers)
    if is_partial(request):
        return render(request, "collections/accounts.html#results", ctx)
    return render(request, "collections/accounts.html", ctx)


def _reassign_form(request: HttpRequest, data, customers) -> ReassignForm:
    """The bulk move: the accounts the manager sees, into the portfolios of their teams (or on no team)."""
    form = ReassignForm(data, customers=customers)
    field = form.fields["portfolio"]
    field.queryset = field.queryset.filter(portfolio_rows(request.user))
    return form


@require_POST
@manager_required
def accounts_reassign(request: HttpRequest) -> HttpResponse:
    """Move the ticked accounts to another portfolio. The first post shows what would move ("Move N
    accounts from X to Y") and asks; the post that carries `confirm` moves them."""
    form = _reassign_form(request, request.POST, visible_customers(request.user))
    back = safe_next_url(request, reverse("accounts"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Nothing moved: {error}")
        return redirect(back)
    customers, portfolio = form.cleaned_data["customers"], form.cleaned_data["portfolio"]
    if request.POST.get("confirm") != "yes":
        return render(request, "accounts/reassign_confirm.html", {
            "nav": "accounts", "customers": customers, "count": len(customers), "portfolio": portfolio,
            "sources": selectors.reassign_sources(customers), "reason": form.cleaned_data["reason"], "next": back,
        })
    moved = customers_assign(customer_ids=[c.pk for c in customers], portfolio=portfolio, by=request.user,
                             reason=form.cleaned_data["reason"])
    messages.success(request, f"Moved {moved} account{'s' if moved != 1 else ''} to {portfolio}.")
    return redirect(back)


@require_GET
@any_role
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The account workspace: header, ledger and every panel, in one request."""
    customer = workspace_customer(request, pk)
    return render(request, PAGE, page_context(request, customer))


@require_GET
@any_role
def account_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline, `?kind=` one kind of entry: swapped in place, or the page with it filtered."""
    return show_panel(request, workspace_customer(request, pk), "timeline")


@require_GET
@work_roles
def account_actions(request: HttpRequest, pk: int) -> HttpResponse:
    return show_panel(request, workspace_customer(request, pk), "actions")


@require_GET
@any_role
def account_messages(request: HttpRequest, pk: int) -> HttpResponse:
    return show_panel(request, workspace_customer(request, pk), "messages")
