"""The workspace's collection actions (log a call or email, escalate, set a follow-up) and the
portal link's revocation. Each answers with its panel (HTMX) or a redirect to the page; a refused
form comes back with its errors, in the panel or in the whole page (422)."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from accounts.selectors import portal_links_sent
from accounts.workspace import panel_done, show_panel, work_roles, workspace_customer
from portal.services import portal_access_revoke
from work import services as work_services
from work.queue.forms import EscalateForm, FollowUpForm, OutcomeForm


def _page(pk: int, panel: str) -> str:
    return reverse("account", args=[pk]) + f"#{panel}"


@require_POST
@work_roles
def account_log(request: HttpRequest, pk: int) -> HttpResponse:
    """What happened on a call or an email: a promise, a dispute, a follow-up date, or just a note."""
    customer = workspace_customer(request, pk)
    form = OutcomeForm(request.POST, customer=customer)
    if form.is_valid():
        data = form.cleaned_data
        try:
            work_services.outcome_log(
                customer=customer, kind=data["kind"], outcome=data["outcome"], by=request.user,
                contact=data["contact"], invoices=data["invoices"], notes=data["notes"],
                next_action_on=data["next_action_on"], promise_amount=data["promise_amount"], pay_by=data["pay_by"],
                dispute_root_cause=data["dispute_root_cause"], dispute_owner=data["dispute_owner"] or "billing",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return panel_done(request, customer, "actions", "Logged.", to=_page(pk, "account-actions"))
    return show_panel(request, customer, "actions", {"outcome_form": form}, status=422)


@require_POST
@work_roles
def account_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    customer = workspace_customer(request, pk)
    form = EscalateForm(request.POST, customer=customer, auto_id="escalate_%s")
    if not form.is_valid():
        return show_panel(request, customer, "actions", {"escalate_form": form}, status=422)
    escalation = work_services.escalate(customer=customer, level=form.cleaned_data["level"], by=request.user,
                                        to_contact=form.cleaned_data["contact"], reason=form.cleaned_data["reason"])
    return panel_done(request, customer, "actions", f"Escalated to {escalation.level.name}.",
                      to=_page(pk, "account-actions"))


@require_POST
@work_roles
def account_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    customer = workspace_customer(request, pk)
    form = FollowUpForm(request.POST, auto_id="follow_up_%s")
    if not form.is_valid():
        return show_panel(request, customer, "actions", {"follow_up_form": form}, status=422)
    work_services.follow_up_set(customer=customer, on=form.cleaned_data["on"], note=form.cleaned_data["note"],
                                by=request.user)
    return panel_done(request, customer, "actions", f"Follow-up set for {date_format(form.cleaned_data['on'])}.",
                      to=_page(pk, "account-actions"))


@require_POST
@work_roles
def account_portal_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Kill every portal link sent to this account so far (a link forwarded to the wrong person). It
    cannot be undone, so the first post asks, with the count ("Revoke N links sent so far"); the
    post that carries `confirm` revokes."""
    customer = workspace_customer(request, pk)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        return show_panel(request, customer, "portal", status=422, error="Say why the links are revoked.")
    if request.POST.get("confirm") != "yes":
        return show_panel(request, customer, "portal",
                          {"revoke_confirm": {"reason": reason, "sent": portal_links_sent(customer)}})
    portal_access_revoke(customer=customer, by=request.user, reason=reason)
    return panel_done(request, customer, "portal", "Every portal link sent so far is revoked; new reminders "
                      "carry a new link.", to=_page(pk, "portal"))
