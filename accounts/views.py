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
from portfolios.access import any_role, can_manage, manager_required, sees_everything

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
        ctx["reassign_form"] = ReassignForm(customers=customers)
    if is_partial(request):
        return render(request, "collections/accounts.html#results", ctx)
    return render(request, "collections/accounts.html", ctx)


@require_POST
@manager_required
def accounts_reassign(request: HttpRequest) -> HttpResponse:
    form = ReassignForm(request.POST, customers=visible_customers(request.user))
    if form.is_valid():
        moved = customers_assign(
            customer_ids=[c.pk for c in form.cleaned_data["customers"]], portfolio=form.cleaned_data["portfolio"],
            by=request.user, reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"Moved {moved} account{'s' if moved != 1 else ''} to "
                                  f"{form.cleaned_data['portfolio']}.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Nothing moved: {error}")
    return redirect(safe_next_url(request, reverse("accounts")))


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
