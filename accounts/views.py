from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors
from accounts.forms import AccountFilterForm, ReassignForm
from core.web import is_partial, safe_next_url
from ledger.assignments import customers_assign
from ledger.selectors import visible_customers
from portal.links import portal_url_for
from portal.services import portal_access_revoke
from portfolios.access import any_role, can_manage, manager_required, sees_everything
from reminders.charge_selectors import account_charges
from work.plans.selectors import account_plans
from work.timeline import timeline_for

ACCOUNTS_PER_PAGE = 50
WORKSPACE_ROWS = 25


def _optional_template(name: str) -> str | None:
    """Partials other helpers own may not exist yet; the page includes them once they do."""
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


@require_GET
@any_role
def account_list(request):
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
def accounts_reassign(request):
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
def account_detail(request, pk: int):
    customer = get_object_or_404(
        visible_customers(request.user).select_related("parent", "portfolio__collector"), pk=pk
    )
    today = timezone.localdate()
    show = request.GET.get("show", "")
    ctx = {
        "nav": "accounts",
        "customer": customer,
        "today": today,
        "show": show,
        "figures": selectors.account_figures(customer, on=today),
        "unapplied": selectors.unapplied(customer),
        "plans": account_plans(customer),
        "charges": account_charges(customer),
        "children": customer.children.order_by("name")[:WORKSPACE_ROWS],
        "contacts": customer.contacts.order_by("-active", "-is_primary", "name"),
        "assignments": selectors.assignment_history(customer),
        "timeline": timeline_for(customer),
        "timeline_template": _optional_template("collections/_timeline.html"),
        "actions_template": _optional_template("collections/_workspace_actions.html"),
        "messages_template": _optional_template("reminders/_workspace_messages.html"),
        "portal_url": portal_url_for(customer, family=customer.parent_id is None),
    }
    for section, rows in (
        ("open", selectors.open_invoices(customer)),
        ("closed", selectors.closed_invoices(customer)),
        ("payments", selectors.payments(customer)),
        ("credits", selectors.credit_notes(customer)),
    ):
        # One row more than shown tells whether a "show all" link is needed, without a count.
        shown = list(rows) if show == section else list(rows[: WORKSPACE_ROWS + 1])
        ctx[section] = shown[:WORKSPACE_ROWS] if show != section else shown
        ctx[f"{section}_more"] = show != section and len(shown) > WORKSPACE_ROWS
    for invoice in ctx["open"]:
        invoice.days_late = invoice.days_past_due(today)
    return render(request, "collections/account.html", ctx)


@require_POST
@any_role
def account_portal_revoke(request, pk: int):
    """Kill every portal link sent to this account so far (a link forwarded to the wrong person)."""
    customer = get_object_or_404(visible_customers(request.user), pk=pk)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, "Say why the links are revoked.")
    else:
        portal_access_revoke(customer=customer, by=request.user, reason=reason)
        messages.success(request, "Every portal link sent so far is revoked; new reminders carry a new link.")
    return redirect(reverse("account", args=[customer.pk]) + "#portal")
