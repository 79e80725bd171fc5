"""Late-payment charges: the proposals to approve or waive, the waiver report, a run by hand."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_POST

from core.exports import frame_response
from core.web import is_partial
from ledger.services import LedgerError
from portfolios.access import can_manage, charge_deciders_required, manager_required, role_required, sees_everything
from portfolios.models import Role
from reminders import charge_selectors as selectors
from reminders.charge_decisions import (
    charge_approve,
    charge_waive,
    charge_waiver_decide,
    charges_approve,
    waiver_decidable,
)
from reminders.charge_forms import ChargeFilterForm, ChargeProposeForm, WaiverReportForm
from reminders.charges import charges_propose

PER_PAGE = 100


def _htmx(request) -> bool:
    return is_partial(request)


def _list_context(request) -> dict:
    form = ChargeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    proposals = selectors.proposals_for(
        request.user, collector=filters["collector"].pk if filters.get("collector") else None,
        kind=filters.get("kind", ""), customer=filters.get("customer"))
    page = Paginator(proposals, PER_PAGE).get_page(request.GET.get("page"))
    asked = list(selectors.asked_waivers(
        request.user, collector=filters["collector"].pk if filters.get("collector") else None,
        kind=filters.get("kind", ""), customer=filters.get("customer"))[:PER_PAGE])
    for p in asked:
        p.why_not = waiver_decidable(p, request.user)
    return {"nav": "outbox", "form": form, "page": page, "query": request.GET.urlencode(), "asked": asked,
            "can_pick_collector": sees_everything(request.user), "propose_form": ChargeProposeForm()}


@require_GET
@charge_deciders_required
def charges(request):
    """Fees and interest proposed by the dunning pass, waiting for a collector or manager."""
    ctx = _list_context(request)
    if _htmx(request):
        return render(request, "reminders/charges.html#proposals", ctx)
    return render(request, "reminders/charges.html", ctx)


def _back(request):
    return redirect(reverse("charges") + ("?" + request.POST["query"] if request.POST.get("query") else ""))


@require_POST
@charge_deciders_required
def charge_approve_one(request, pk: int):
    proposal = get_object_or_404(selectors.visible_proposals(request.user), pk=pk)
    error = ""
    try:
        proposal = charge_approve(proposal=proposal, by=request.user)
    except LedgerError as exc:
        error = " ".join(exc.messages)
    if _htmx(request):
        return render(request, "reminders/charges.html#row", {"p": proposal, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{proposal.get_kind_display()} on {proposal.invoice} approved: "
                                  f"{proposal.charge} issued.")
    return _back(request)


@require_POST
@charge_deciders_required
def charges_approve_selected(request):
    ids = [int(pk) for pk in request.POST.getlist("proposal") if pk.isdigit()]
    chosen = list(selectors.visible_proposals(request.user).filter(pk__in=ids).order_by("pk"))
    if not chosen:
        messages.error(request, "Tick the charges to approve first.")
    else:
        try:
            charges_approve(proposals=chosen, by=request.user)
            messages.success(request, f"{len(chosen)} charge(s) approved and issued.")
        except LedgerError as exc:
            messages.error(request, "Nothing approved: " + " ".join(exc.messages))
    if _htmx(request):
        return render(request, "reminders/charges.html#proposals", _list_context(request))
    return _back(request)


@require_POST
@charge_deciders_required
def charge_waive_one(request, pk: int):
    proposal = get_object_or_404(selectors.visible_proposals(request.user), pk=pk)
    error = ""
    try:
        proposal = charge_waive(proposal=proposal, reason=request.POST.get("reason", ""), by=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if _htmx(request):
        return render(request, "reminders/charges.html#row", {"p": proposal, "error": error})
    if error:
        messages.error(request, error)
    elif proposal.status == proposal.Status.ASKED:
        messages.warning(request, f"Waiving the {proposal.get_kind_display().lower()} on {proposal.invoice} is above "
                                  f"your approval limit: it waits for a manager's approval.")
    else:
        messages.success(request, f"{proposal.get_kind_display()} on {proposal.invoice} waived.")
    return _back(request)


def _decide_waiver(request, pk: int, *, approve: bool):
    proposal = get_object_or_404(selectors.visible_proposals(request.user), pk=pk)
    try:
        proposal = charge_waiver_decide(proposal=proposal, approve=approve, by=request.user,
                                        note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if approve:
            messages.success(request, f"Waiver approved: {proposal.get_kind_display().lower()} on "
                                      f"{proposal.invoice} waived.")
        else:
            messages.success(request, f"Waiver rejected: the {proposal.get_kind_display().lower()} on "
                                      f"{proposal.invoice} is to approve again.")
    return _back(request)


@require_POST
@manager_required
def charge_waiver_approve(request, pk: int):
    """A manager whose limit covers it, not the asker, approves a waiver asked above a limit."""
    return _decide_waiver(request, pk, approve=True)


@require_POST
@manager_required
def charge_waiver_reject(request, pk: int):
    """A manager rejects an asked waiver: the charge is to approve (or waive) again."""
    return _decide_waiver(request, pk, approve=False)


@require_POST
@manager_required
def charges_propose_now(request):
    """Propose the interest accrued up to a date (the statement date) on every invoice past an
    interest step, and any fee still due; collectors then approve or waive as usual."""
    form = ChargeProposeForm(request.POST)
    if form.is_valid():
        result = charges_propose(as_of=form.cleaned_data["as_of"])
        messages.success(request, f"{result.fees} fee(s) and {result.interest} interest charge(s) proposed on "
                                  f"{result.customers} account(s), up to {date_format(result.as_of)}.")
    else:
        messages.error(request, "Not proposed: " + " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("charges")


@require_GET
@role_required(Role.COLLECTOR, Role.MANAGER, Role.FINANCE)
def charge_waivers(request):
    """Waived fees and interest: who, why, how much, per collector and month; CSV or XLSX."""
    form = WaiverReportForm(request.GET)
    report = None
    if form.is_valid():
        collector = form.cleaned_data["collector"]
        report = selectors.waiver_report(request.user, start=form.cleaned_data["start"],
                                         end=form.cleaned_data["end"], collector=collector.pk if collector else None)
        export, table = request.GET.get("export"), request.GET.get("table", "waivers")
        if export:
            frame = report.summary if table == "summary" else report.rows
            return frame_response(frame, f"charge-{table}-{report.start}-{report.end}", export)
    ctx = {"nav": "outbox", "form": form, "report": report, "query": request.GET.urlencode(),
           "can_manage": can_manage(request.user)}
    if report is not None:
        ctx["rows"] = report.rows.to_dict("records")
        ctx["summary"] = report.summary.to_dict("records")
    return render(request, "reminders/charge_waivers.html", ctx)
