"""A manager's corrections of an account's ledger, under /accounts/<pk>/corrections/: reverse a
payment, write off (part of) an invoice, void an invoice; and, for what is above the approval
threshold, the second manager's approval or rejection on the same page. The requests waiting
across the book are listed at /accounts/corrections/.

One template (accounts/corrections.html); an HTMX form swaps the page's `corrections` partial, with
the form's errors in it; without HTMX the page reloads (errors on the page, success after a redirect).
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.web import is_partial
from ledger.models import Customer
from ledger.selectors import visible_customers
from portfolios.access import ledger_correctors_required
from work.corrections import selectors, services
from work.corrections.forms import DecisionForm, ReversalForm, VoidForm, WriteOffForm
from work.corrections.limits import approval_limit, why_approval
from work.corrections.models import LedgerCorrection

Kind = LedgerCorrection.Kind
FORMS: dict[str, type[ReversalForm | WriteOffForm | VoidForm]] = {
    Kind.PAYMENT_REVERSAL: ReversalForm, Kind.WRITE_OFF: WriteOffForm, Kind.INVOICE_VOID: VoidForm,
}
HISTORY_ROWS = 50
PAGE = "accounts/corrections.html"


class AuthenticatedRequest(HttpRequest):
    """Every view here is behind `ledger_correctors_required`: the user is logged in."""

    user: User


def _customer(request: AuthenticatedRequest, pk: int) -> Customer:
    return get_object_or_404(visible_customers(request.user), pk=pk)


def _context(customer: Customer, user, *, refused: dict[str, Form] | None = None,
             decision: DecisionForm | None = None, decision_for: int | None = None, message: str = "") -> dict:
    forms = {kind: form_class(customer=customer) for kind, form_class in FORMS.items()} | (refused or {})
    corrections = selectors.account_corrections(customer)
    # Each request waiting, with its approve / reject form (the one just refused keeps its errors).
    pending = [(c, decision if decision is not None and c.pk == decision_for else DecisionForm(correction_id=c.pk))
               for c in corrections.filter(status=LedgerCorrection.Status.REQUESTED)]
    # A decision on a request no longer waiting (approved twice, say) has no row: its errors go on top.
    orphan = decision is not None and decision_for not in {c.pk for c, _form in pending}
    return {
        "nav": "accounts", "customer": customer, "message": message,
        "decision_errors": [e for errors in decision.errors.values() for e in errors] if decision and orphan else [],
        "reversal_form": forms[Kind.PAYMENT_REVERSAL], "write_off_form": forms[Kind.WRITE_OFF],
        "void_form": forms[Kind.INVOICE_VOID], "pending": pending,
        "history": corrections.exclude(status=LedgerCorrection.Status.REQUESTED)[:HISTORY_ROWS],
        "threshold": approval_limit(user), "base_currency": settings.BASE_CURRENCY,
    }


def _answer(request: AuthenticatedRequest, customer: Customer, *, message: str = "", status: int = 200,
            refused: dict[str, Form] | None = None, decision: DecisionForm | None = None,
            decision_for: int | None = None) -> HttpResponse:
    """Done: the fresh partial (HTMX) or a redirect. Refused: the partial or the page with the errors."""
    if status == 200 and not is_partial(request):
        messages.success(request, message)
        return redirect("account_corrections", pk=customer.pk)
    template = f"{PAGE}#corrections" if is_partial(request) else PAGE
    ctx = _context(customer, request.user, refused=refused, decision=decision, decision_for=decision_for,
                   message=message)
    return render(request, template, ctx, status=status)


def _outcome(correction: LedgerCorrection) -> str:
    if correction.status == LedgerCorrection.Status.EXECUTED:
        return f"Done: {correction.done}."
    why = why_approval(correction.requested_by, correction.amount_base, correction.currency)  # the asker's limit
    return f"Requested: {correction.what}. It waits for another manager or admin to approve it ({why})."


@require_GET
@ledger_correctors_required
def account_corrections(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    return render(request, f"{PAGE}#corrections" if is_partial(request) else PAGE, _context(customer, request.user))


@require_POST
@ledger_correctors_required
def correction_request(request: AuthenticatedRequest, pk: int, kind: str) -> HttpResponse:
    """Reverse a payment, write off or void: done at once up to the threshold, else a request."""
    customer = _customer(request, pk)
    form = FORMS[kind](request.POST, customer=customer)
    if form.is_valid():
        try:
            correction = services.correction_request(customer=customer, kind=kind, by=request.user,
                                                     **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _answer(request, customer, message=_outcome(correction))
    return _answer(request, customer, status=422, refused={kind: form})


def _decide(request: AuthenticatedRequest, pk: int, correction_id: int, decide: Callable[..., LedgerCorrection],
            message: Callable[[LedgerCorrection], str]) -> HttpResponse:
    customer = _customer(request, pk)
    correction = get_object_or_404(LedgerCorrection, pk=correction_id, customer=customer)
    form = DecisionForm(request.POST, correction_id=correction.pk)
    if form.is_valid():
        try:
            decided = decide(correction=correction, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _answer(request, customer, message=message(decided))
    return _answer(request, customer, status=422, decision=form, decision_for=correction.pk)


@require_POST
@ledger_correctors_required
def correction_approve(request: AuthenticatedRequest, pk: int, correction_id: int) -> HttpResponse:
    """A second manager approves a request (never their own): it is executed at once."""
    return _decide(request, pk, correction_id, services.correction_approve,
                   lambda c: f"Approved and done: {c.done}.")


@require_POST
@ledger_correctors_required
def correction_reject(request: AuthenticatedRequest, pk: int, correction_id: int) -> HttpResponse:
    """A second manager rejects a request (never their own): nothing moves, the request stays."""
    return _decide(request, pk, correction_id, services.correction_reject,
                   lambda c: f"Rejected: {c.what}. Nothing moved on the ledger.")


@require_GET
@ledger_correctors_required
def corrections_pending(request: AuthenticatedRequest) -> HttpResponse:
    """Every correction waiting for a second manager, oldest first, each linking to its account."""
    ctx = {
        "nav": "accounts", "pending": selectors.pending_corrections(visible_customers(request.user)),
        "threshold": approval_limit(request.user), "base_currency": settings.BASE_CURRENCY,
    }
    return render(request, "accounts/corrections_pending.html", ctx)
