"""The account workspace is one page (accounts/account.html): the account's header and ledger, and
its panels — collection actions, messages, payment plans, credit hold, portal link, timeline —
rendered in one request. Each panel is a partial of that template with an id of its own; the
forms in a panel post to an action under /accounts/<pk>/… (accounts.actions, .messages, .plans,
.holds), which answers an HTMX request with that panel alone (what was done, or the form and its
errors) and a request without JavaScript with a redirect to the page, or the page with the errors.

This module builds the contexts: the whole page's, and each panel's (a panel rendered alone builds
only its own). The page shares what it has already read with its panels: the contacts and the
open invoices are read once for the lists and for the forms' choices."""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts import selectors
from accounts.inbox_panel import inbox_context  # --- reply ---
from core.web import is_partial
from ledger.hierarchy import chain
from ledger.models import Contact, Customer, Invoice
from ledger.selectors import visible_customers
from portal.links import portal_url_for
from portfolios import access
from portfolios.access import has_role, role_required
from portfolios.models import Role
from reminders import selectors as reminder_selectors
from reminders.charge_selectors import account_charges
from reminders.forms import DunningSettingsForm
from reminders.models import CustomerDunningSettings
from work.holds.forms import HoldForm, ReleaseForm
from work.holds.selectors import group_credit_usage
from work.plans.forms import PlanCancelForm
from work.plans.selectors import account_plans
from work.queue.forms import DisputeResolveForm, DisputeUpdateForm, EscalateForm, FollowUpForm, OutcomeForm
from work.selectors import OPEN_DISPUTE
from work.timeline import timeline_for

PAGE = "accounts/account.html"
WORKSPACE_ROWS = 25
WORK_ROLES = (Role.COLLECTOR, Role.MANAGER)
# Logging outcomes, escalating, following up and payment plans: the people who work accounts.
work_roles = role_required(*WORK_ROLES)

Forms = dict[str, Any]  # bound forms (with their errors) and the few values that go with them


@dataclass(frozen=True)
class Flash:
    """The line a panel shows on top after an action: what was done, or why nothing was."""

    panel: str
    text: str
    error: bool = False


def workspace_customer(request: HttpRequest, pk: int) -> Customer:
    """The account, if the user may see it (404 otherwise), with its header (one query)."""
    customers = selectors.workspace_accounts(visible_customers(request.user), on=timezone.localdate())
    return get_object_or_404(customers, pk=pk)


def _choices_from(form: forms.Form, name: str, rows: Iterable[Model] | None = None) -> list[Model]:
    """Show a model choice field's choices from `rows` already read (else its queryset, read once):
    rendering it then costs no query. What is posted is still checked against the queryset."""
    field = cast(forms.ModelChoiceField, form.fields[name])
    shown = list(cast(QuerySet[Model], field.queryset) if rows is None else rows)
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    field.choices = empty + [(row.pk, field.label_from_instance(row)) for row in shown]
    return shown


def _common(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    return {
        "customer": customer,
        "today": timezone.localdate(),
        "can_work": has_role(request.user, *WORK_ROLES, Role.ADMIN),
        "header": selectors.account_header(customer, on=timezone.localdate()),
    }


def actions_context(request: HttpRequest, customer: Customer, forms: Forms, *, contacts: list[Contact] | None = None,
                    invoices: list[Invoice] | None = None, open_dispute: bool = True) -> dict[str, Any]:
    """Log a call or email, escalate, follow up, and the open disputes. The page passes the rows it
    has read (`contacts`, the open `invoices`) and whether its header found an open dispute."""
    ctx = _common(request, customer)
    outcome = forms.get("outcome_form") or OutcomeForm(customer=customer)
    escalate = forms.get("escalate_form") or EscalateForm(customer=customer, auto_id="escalate_%s")
    active = _choices_from(outcome, "contact", None if contacts is None else [c for c in contacts if c.active])
    _choices_from(escalate, "contact", active)
    _choices_from(escalate, "level")  # a required select reads its choices twice otherwise
    if invoices is not None:
        _choices_from(outcome, "invoices", invoices)
    disputes = customer.disputes.filter(status__in=OPEN_DISPUTE).order_by("opened_on")
    return {
        **ctx, "outcome_form": outcome, "escalate_form": escalate,
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(
            initial={"on": customer.follow_up_on, "note": customer.follow_up_note}, auto_id="follow_up_%s"),
        "open_disputes": list(disputes) if open_dispute else [],
        "update_form": DisputeUpdateForm(), "resolve_form": DisputeResolveForm(),
    }


def dunning_settings_of(customer: Customer) -> CustomerDunningSettings:
    """The account's dunning exceptions (fetched with it), or a new row to fill in."""
    try:
        return customer.dunning_settings
    except CustomerDunningSettings.DoesNotExist:
        return CustomerDunningSettings(customer=customer)


def messages_context(request: HttpRequest, customer: Customer, forms: Forms) -> dict[str, Any]:
    """Messages and statements sent, the manual sends, a message being written, the dunning settings."""
    manager = access.can_manage(request.user)
    return {
        **_common(request, customer),
        "nonce": uuid.uuid4(),  # one per form shown: a second click on it sends nothing more
        "messages_sent": reminder_selectors.account_messages(customer),
        "statements": reminder_selectors.account_statements(customer),
        "compose_form": forms.get("compose_form"),
        "settings_form": (forms.get("settings_form") or DunningSettingsForm(
            instance=dunning_settings_of(customer), auto_id="dunning_%s")) if manager else None,
    }


def plans_context(request: HttpRequest, customer: Customer, forms: Forms) -> dict[str, Any]:
    """The account's plans; the plan being offered or renegotiated; a refused cancellation."""
    plan_form = forms.get("plan_form")
    return {
        **_common(request, customer),
        "plans": account_plans(customer),
        "plan_form": plan_form, "plan": forms.get("plan"), "preview": plan_form.preview() if plan_form else None,
        "cancel_form": forms.get("cancel_form") or PlanCancelForm(), "cancelling": forms.get("cancelling"),
    }


def hold_context(request: HttpRequest, customer: Customer, forms: Forms) -> dict[str, Any]:
    """The credit hold: its state and the form to hold or to release (the history is on the timeline)."""
    return {
        **_common(request, customer),
        "hold_form": forms.get("hold_form") or HoldForm(auto_id="hold_%s"),
        "release_form": forms.get("release_form") or ReleaseForm(auto_id="release_%s"),
        "can_hold": access.may_hold(request.user), "can_release": access.may_release(request.user),
    }


def portal_context(request: HttpRequest, customer: Customer, forms: Forms) -> dict[str, Any]:
    common = _common(request, customer)
    family = customer.parent_id is None or common["header"].is_family_head  # a parent's link: its subtree
    return {**common, "portal_url": portal_url_for(customer, family=family),
            "revoke_confirm": forms.get("revoke_confirm")}  # the revocation's "are you sure" (accounts.actions)


def timeline_context(request: HttpRequest, customer: Customer, forms: Forms) -> dict[str, Any]:
    """Everything that happened on the account, newest first; `?kind=` narrows it to one kind."""
    kind = request.GET.get("kind", "")
    return {**_common(request, customer), "timeline": timeline_for(customer, kinds=[kind] if kind else None)}


PanelContext = Callable[[HttpRequest, Customer, Forms], dict[str, Any]]
PANELS: dict[str, PanelContext] = {
    "actions": actions_context, "messages": messages_context, "plans": plans_context, "hold": hold_context,
    "portal": portal_context, "timeline": timeline_context,
}
# --- reply ---
PANELS["inbox"] = inbox_context  # the customer's mail (accounts.inbox_panel)
# --- end reply ---


def _ledger_context(customer: Customer, show: str) -> tuple[dict[str, Any], list[Invoice]]:
    """Open and closed invoices, payments and credit notes, 25 of each unless `show` asks for all;
    and every open invoice, which is read anyway: the outcome form offers them all."""
    today = timezone.localdate()
    everything_open = list(selectors.open_invoices(customer))
    for invoice in everything_open:
        invoice.days_late = invoice.days_past_due(today)
    ctx: dict[str, Any] = {
        "open": everything_open if show == "open" else everything_open[:WORKSPACE_ROWS],
        "open_more": show != "open" and len(everything_open) > WORKSPACE_ROWS,
    }
    for section, rows in (
        ("closed", selectors.closed_invoices(customer)),
        ("payments", selectors.payments(customer)),
        ("credits", selectors.credit_notes(customer)),
    ):
        # One row more than shown tells whether a "show all" link is needed, without a count.
        shown = list(rows) if show == section else list(rows[: WORKSPACE_ROWS + 1])
        ctx[section] = shown if show == section else shown[:WORKSPACE_ROWS]
        ctx[f"{section}_more"] = show != section and len(shown) > WORKSPACE_ROWS
    return ctx, everything_open


def page_context(request: HttpRequest, customer: Customer, forms: Forms | None = None) -> dict[str, Any]:
    """The whole page, every panel in it; `forms` are the bound forms of a refused action."""
    forms = forms or {}
    ctx = _common(request, customer)
    header = ctx["header"]
    contacts = list(customer.contacts.order_by("-active", "-is_primary", "name"))
    ledger, everything_open = _ledger_context(customer, request.GET.get("show", ""))
    ctx.update(
        nav="accounts", show=request.GET.get("show", ""), figures=header.figures, unapplied=header.unapplied,
        children=list(customer.children.order_by("name")[:WORKSPACE_ROWS]) if header.is_family_head else [],
        family_chain=chain(customer),  # Group › Region › Site
        group_credit=(group_credit_usage(Customer.objects.filter(pk=customer.pk)).get(customer.pk)
                      if customer.group_credit_limit > 0 else None),
        contacts=contacts, assignments=selectors.assignment_history(customer), charges=account_charges(customer),
        **ledger,
    )
    if ctx["can_work"]:
        ctx.update(actions_context(request, customer, forms, contacts=contacts, invoices=everything_open,
                                   open_dispute=header.has_open_dispute))
    for panel in ("messages", "plans", "hold", "portal", "timeline"):
        ctx.update(PANELS[panel](request, customer, forms))
    # --- reply ---
    ctx.update(PANELS["inbox"](request, customer, forms))
    # --- end reply ---
    return ctx


def show_panel(request: HttpRequest, customer: Customer, panel: str, forms: Forms | None = None, *,
               status: int = 200, error: str = "") -> HttpResponse:
    """The panel alone for HTMX, else the whole page; with a refused action's forms and its error."""
    flash = Flash(panel, error, error=True) if error else None
    if is_partial(request):
        ctx = PANELS[panel](request, customer, forms or {})
        return render(request, f"{PAGE}#{panel}", {**ctx, "flash": flash}, status=status)
    return render(request, PAGE, {**page_context(request, customer, forms), "flash": flash}, status=status)


def panel_done(request: HttpRequest, customer: Customer, panel: str, text: str, *, to: str) -> HttpResponse:
    """An action worked: the panel again, saying so, and the timeline told to reload (HTMX); else
    the message and a redirect to `to`. The header facts an action changes come along out of band."""
    if not is_partial(request):
        messages.success(request, text)
        return redirect(to)
    ctx = PANELS[panel](request, customer, {})
    response = render(request, f"{PAGE}#{panel}", {**ctx, "flash": Flash(panel, text), "oob": True})
    response["HX-Trigger"] = "timeline-changed"
    return response
