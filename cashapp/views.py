"""Cash application pages: the worklist of bank receipts to decide, a receipt's page (ranked
candidates, split, assign elsewhere, park, undo, remittance advice), the statement upload with its
progress, and the figures. Thin views: the services decide and post, the selectors read."""

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from banking.ingest import StatementError
from banking.models import StatementFile
from cashapp import selectors, services
from cashapp.forms import (
    CustomerChoiceForm,
    RemittanceForm,
    SplitForm,
    StatementUploadForm,
    UndoForm,
    WorklistFilterForm,
    customer_search,
)
from cashapp.imports import statement_upload
from cashapp.models import CashMatch
from cashapp.tasks import statement_file_import_task
from core.web import is_partial
from ledger.models import Customer, Invoice
from ledger.selectors import visible_customers
from ledger.services import LedgerError
from portfolios.access import may_open, role_required
from portfolios.models import Role


class SignedInRequest(HttpRequest):
    """Every view here is behind a role decorator: the user is signed in (and django-htmx is on)."""

    user: User
    htmx: HtmxDetails


WORKLIST_ROWS = 100
RECENT_FILES = 30
ERRORS_SHOWN = 500
LINE_INVOICES = 60

cash_readers = role_required(Role.COLLECTOR, Role.MANAGER, Role.FINANCE)  # finance reads
cash_workers = role_required(Role.COLLECTOR, Role.MANAGER)
cash_managers = role_required(Role.MANAGER)
figures_readers = role_required(Role.MANAGER, Role.FINANCE)


def _messages_of(error: Exception) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


def _visible_match(request: SignedInRequest, pk: int) -> CashMatch:
    """A receipt the user may open (selectors.visible decides); anything else is a 404."""
    return get_object_or_404(selectors.visible(request.user).select_related(
        "line__statement__file", "line__account", "customer", "payment", "decided_by", "undone_by"), pk=pk)


# --- The worklist ------------------------------------------------------------------------------------------

def _best_candidates(rows: list[CashMatch]) -> None:
    """Each row's best candidate with its customer and invoices loaded (`row.best`), in two queries for
    the page, not two per row."""
    customer_ids: set[int] = set()
    invoice_ids: set[int] = set()
    for row in rows:
        if row.candidates:
            customer_ids.add(row.candidates[0]["customer"])
            invoice_ids.update(invoice_id for invoice_id, _ in row.candidates[0].get("invoices", []))
    customers = Customer.objects.in_bulk(customer_ids)
    invoices = Invoice.objects.only("pk", "external_id", "open_amount", "currency").in_bulk(invoice_ids)
    for row in rows:
        best, customer = (row.candidates or [{}])[0], None
        if best and (customer := customers.get(best["customer"])):
            best = {"customer": customer, "confidence": best.get("confidence"), "reasons": best.get("reasons", []),
                    "invoices": [(invoices[i], Decimal(a)) for i, a in best.get("invoices", []) if i in invoices]}
        setattr(row, "best", best if customer else None)  # noqa: B010  (for the template only)


def _narrowed(matches: QuerySet[CashMatch], filters: dict) -> QuerySet[CashMatch]:
    """The worklist's booking-date and amount ranges (the selector takes status, file and text)."""
    ranges = {"date_from": "line__booking_date__gte", "date_to": "line__booking_date__lte",
              "amount_min": "line__amount__gte", "amount_max": "line__amount__lte"}
    return matches.filter(**{lookup: filters[name] for name, lookup in ranges.items() if name in filters})


def _worklist_rows(request: SignedInRequest, params: QueryDict) -> dict[str, Any]:
    form = WorklistFilterForm(params, recent_files=RECENT_FILES)
    form.is_valid()
    filters = form.filters()
    chosen = {**filters, "file": filters["file"].pk} if "file" in filters else filters
    matches = _narrowed(selectors.worklist(request.user, chosen), filters)
    total = matches.count()
    rows = list(matches[:WORKLIST_ROWS])
    _best_candidates(rows)
    return {"filter_form": form, "filter_error": form.error_text(), "rows": rows, "total": total,
            "filter_query": urlencode(chosen), "may_work": services.may_work_cash(request.user)}


@require_GET
@cash_readers
def cash_worklist(request: SignedInRequest) -> HttpResponse:
    ctx = {"nav": "cash", **_worklist_rows(request, request.GET), "may_import": may_open(request.user, "cash_import"),
           "may_figures": may_open(request.user, "cash_figures")}
    if is_partial(request) and request.htmx.target == "cash-list":
        return render(request, "cashapp/worklist.html#list", ctx)
    return render(request, "cashapp/worklist.html", ctx)


def _row_response(request: SignedInRequest, match: CashMatch, *, error: str = "", done: str = "") -> HttpResponse:
    """After a decision from the worklist: the row in place (HTMX), or back to the list with a message."""
    if not is_partial(request):
        if error:
            messages.error(request, error)
            return redirect("cash_line", match.pk)
        messages.success(request, done)
        return redirect(reverse("cash_worklist") + (f"?{request.POST['back']}" if request.POST.get("back") else ""))
    match = _visible_match(request, match.pk)
    _best_candidates([match])
    ctx = {"row": match, "row_error": error, "row_done": done, "may_work": services.may_work_cash(request.user)}
    return render(request, "cashapp/worklist.html#row", ctx, status=422 if error else 200)


@require_POST
@cash_workers
def cash_confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    """One click: post the receipt as its best candidate says (or the `candidate`-th, from the line page)."""
    match = _visible_match(request, pk)
    candidates = selectors.match_candidates(match) if match.is_open else []
    try:
        index = int(request.POST.get("candidate") or 0)
    except ValueError:
        index = -1
    if not match.is_open:
        error = f"Already decided: {match.get_status_display().lower()}. Open the receipt to see what was done."
    elif not candidates:
        error = "No suggestion to confirm: open the receipt to split it or assign it to a customer."
    elif not 0 <= index < len(candidates):
        error = "That suggestion is no longer there: reload the page."
    else:
        best = candidates[index]
        try:
            match = services.match_confirm(match=match, customer=best.customer, allocations=best.allocations,
                                           by=request.user)
        except (ValidationError, LedgerError) as failure:
            error = _messages_of(failure)
        else:
            return _after_decision(request, match, f"{match.line.amount:,.2f} {match.line.currency} from "
                                                   f"{match.line.counterparty_name or 'the payer'} applied to "
                                                   f"{best.customer.name}.")
    return _after_decision(request, match, error=error)


def _after_decision(request: SignedInRequest, match: CashMatch, done: str = "", *, error: str = "") -> HttpResponse:
    """The worklist row answers a decision made in the list; the line page one made on it."""
    if request.POST.get("from") == "line" or (is_partial(request) and request.htmx.target == "cash-decide"):
        if error:
            return _line_page(request, match, status=422, decision_error=error)
        if is_partial(request):
            return _line_page(request, match, decision_done=done)
        messages.success(request, done)
        return redirect("cash_line", match.pk)
    return _row_response(request, match, error=error, done=done)


# --- One receipt -------------------------------------------------------------------------------------------

def _working_customer(request: SignedInRequest, match: CashMatch, customers: QuerySet[Customer]) -> Customer | None:
    """Whose invoices the split form offers: the one picked from the search (`?customer=`), else the
    receipt's customer (decided or best candidate)."""
    picked = request.GET.get("customer") or request.POST.get("customer")
    if picked and picked.isdigit():
        found = customers.filter(pk=int(picked)).first()
        if found is not None:
            return found
    return match.customer if match.customer_id and customers.filter(pk=match.customer_id).exists() else None


def _split_form(match: CashMatch, customer: Customer | None, candidates: list[selectors.Candidate],
                data: QueryDict | None = None) -> SplitForm | None:
    if customer is None:
        return None
    invoices = list(Invoice.objects.filter(customer=customer, status=Invoice.Status.OPEN)
                    .order_by("due_date", "pk")[:LINE_INVOICES])
    suggested = next((c for c in candidates if c.customer.pk == customer.pk), None)
    initial = {invoice.pk: amount for invoice, amount in suggested.allocations} if suggested else {}
    known = {invoice.pk for invoice in invoices}
    invoices += [invoice for invoice, _ in (suggested.allocations if suggested else []) if invoice.pk not in known]
    return SplitForm(data, customer=customer, invoices=invoices, line_amount=match.line.amount,
                     line_currency=match.line.currency, initial_amounts=initial)


def _line_context(request: SignedInRequest, match: CashMatch, **forms: Any) -> dict:
    customers = visible_customers(request.user)
    candidates = selectors.match_candidates(match)
    working = forms.pop("working", None) or _working_customer(request, match, customers)
    search_text = request.GET.get("customer_q", "")
    return {
        "nav": "cash", "match": match, "line": match.line, "candidates": candidates,
        "may_work": services.may_work_cash(request.user) and match.is_open,
        "may_attach": services.may_work_cash(request.user),
        "may_undo": services.may_undo_cash(request.user) and match.status in CashMatch.POSTED,
        "working_customer": working,
        "split_form": forms.get("split_form") or (_split_form(match, working, candidates) if match.is_open else None),
        "customer_q": search_text, "found_customers": customer_search(customers, search_text),
        "park_form": forms.get("park_form"), "undo_form": forms.get("undo_form") or UndoForm(),
        "remittance_form": forms.get("remittance_form") or RemittanceForm(),
        "remittances": list(match.line.remittances.select_related("created_by")),
        "applications": list(match.payment.applications.select_related("invoice")) if match.payment else [],
        "decision_error": forms.get("decision_error", ""), "decision_done": forms.get("decision_done", ""),
        "base_currency": settings.BASE_CURRENCY,
    }


def _line_page(request: SignedInRequest, match: CashMatch, *, status: int = 200, **forms: Any) -> HttpResponse:
    match = _visible_match(request, match.pk)  # as it now stands
    ctx = _line_context(request, match, **forms)
    if is_partial(request) and request.htmx.target in ("cash-decide", "assign-results"):
        name = "decide" if request.htmx.target == "cash-decide" else "search"
        return render(request, f"cashapp/line.html#{name}", ctx, status=status)
    return render(request, "cashapp/line.html", ctx, status=status)


@require_GET
@cash_readers
def cash_line(request: SignedInRequest, pk: int) -> HttpResponse:
    return _line_page(request, _visible_match(request, pk))


def _apply_allocations(request: SignedInRequest, match: CashMatch, customer: Customer | None) -> HttpResponse:
    """Split and assign: the amounts typed per invoice of `customer`, checked, then posted."""
    if not match.is_open:
        return _line_page(request, match, status=409, decision_error="Already decided: reload the page.")
    if customer is None:
        return _line_page(request, match, status=422, decision_error="Choose the customer who paid first.")
    form = _split_form(match, customer, selectors.match_candidates(match), data=request.POST)
    assert form is not None  # a customer was given
    if form.is_valid():
        try:
            match = services.match_confirm(match=match, customer=customer, allocations=form.allocations(),
                                           by=request.user)
        except (ValidationError, LedgerError) as failure:
            form.add_error(None, _messages_of(failure))
        else:
            left = match.line.amount - form.total
            done = (f"{form.total:,.2f} {match.line.currency} applied to {len(form.allocations())} invoice"
                    f"{'s' if len(form.allocations()) != 1 else ''} of {customer.name}"
                    + (f"; {left:,.2f} stays on the account as unapplied cash." if left else "."))
            return _after_decision(request, match, done)
    return _line_page(request, match, status=422, split_form=form, working=customer)


@require_POST
@cash_workers
def cash_split(request: SignedInRequest, pk: int) -> HttpResponse:
    match = _visible_match(request, pk)
    return _apply_allocations(request, match, _working_customer(request, match, visible_customers(request.user)))


@require_POST
@cash_workers
def cash_assign(request: SignedInRequest, pk: int) -> HttpResponse:
    """The receipt is another customer's: apply it to that customer's invoices (the payer's account is
    learned for the next time)."""
    match = _visible_match(request, pk)
    form = CustomerChoiceForm(request.POST, customers=visible_customers(request.user))
    if not form.is_valid():
        return _line_page(request, match, status=422,
                          decision_error=" ".join(str(e) for e in form.errors.get("customer", [])))
    return _apply_allocations(request, match, form.cleaned_data["customer"])


@require_POST
@cash_workers
def cash_park(request: SignedInRequest, pk: int) -> HttpResponse:
    """Post the receipt on a customer as unapplied cash, to apply once they say what it pays."""
    match = _visible_match(request, pk)
    form = CustomerChoiceForm(request.POST, customers=visible_customers(request.user))
    if form.is_valid():
        customer = form.cleaned_data["customer"]
        try:
            match = services.match_park(match=match, customer=customer, by=request.user)
        except (ValidationError, LedgerError) as failure:
            form.add_error(None, _messages_of(failure))
        else:
            return _after_decision(request, match, f"{match.line.amount:,.2f} {match.line.currency} parked on "
                                                   f"{customer.name} as unapplied cash.")
    return _line_page(request, match, status=422, park_form=form,
                      decision_error=" ".join(str(e) for errors in form.errors.values() for e in errors))


@require_POST
@cash_managers
def cash_undo(request: SignedInRequest, pk: int) -> HttpResponse:
    """A wrong match: its payment is reversed and the receipt goes back to review."""
    match = _visible_match(request, pk)
    form = UndoForm(request.POST)
    if form.is_valid():
        try:
            match = services.match_undo(match=match, reason=form.cleaned_data["reason"], by=request.user)
        except (ValidationError, LedgerError) as failure:
            form.add_error(None, _messages_of(failure))
        else:
            return _after_decision(request, match, "Match undone: the payment is reversed and the receipt is back "
                                                   "in review.")
    return _line_page(request, match, status=422, undo_form=form)


@require_POST
@cash_workers
def cash_remittance(request: SignedInRequest, pk: int) -> HttpResponse:
    """Attach the customer's remittance advice; a receipt still waiting is matched again with it."""
    match = _visible_match(request, pk)
    form = RemittanceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            advice = services.remittance_add(data=upload.read(), filename=upload.name, by=request.user,
                                             line=match.line, customer=match.customer)
        except (ValidationError, ValueError) as failure:
            form.add_error("file", _messages_of(failure))
        else:
            refs = ", ".join(advice.invoice_refs[:8]) or "no invoice number"
            messages.success(request, f"{advice.filename} attached ({refs}).")
            return redirect("cash_line", match.pk)
    return _line_page(request, match, status=422, remittance_form=form)


# --- Statement upload --------------------------------------------------------------------------------------

def _import_page(request: SignedInRequest, form: StatementUploadForm, *, status: int = 200,
                 **extra: Any) -> HttpResponse:
    files = StatementFile.objects.select_related("created_by").defer("content")[:RECENT_FILES]
    return render(request, "cashapp/import.html", {"nav": "cash", "form": form, "files": files, **extra},
                  status=status)


@require_http_methods(["GET", "POST"])
@cash_managers
def cash_import(request: SignedInRequest) -> HttpResponse:
    """Upload a statement: a dry run is checked here and shown at once (nothing written); a real one is
    kept and imported by a worker while the next page shows its progress."""
    if request.method == "GET":
        return _import_page(request, StatementUploadForm())
    form = StatementUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    upload, fmt = form.cleaned_data["file"], form.cleaned_data["format"]
    data = upload.read()
    if form.cleaned_data["dry_run"]:
        try:
            result = services.statement_import_and_match(data=data, filename=upload.name, format=fmt, dry_run=True,
                                                         by=request.user)
        except StatementError as error:
            return _import_page(request, form, status=422, dry_run_errors=error.errors[:ERRORS_SHOWN],
                                dry_run_error_count=len(error.errors), dry_run_name=upload.name)
        return _import_page(request, StatementUploadForm(initial={"format": fmt}), dry_run_result=result,
                            dry_run_name=upload.name)
    queued = statement_upload(data=data, filename=upload.name, format=fmt, by=request.user)
    if queued.queued:
        transaction.on_commit(lambda: statement_file_import_task.delay(queued.file.pk))
    elif queued.file.status == StatementFile.Status.DONE:
        messages.info(request, f"{upload.name} was already imported on {date_format(queued.file.created_at)} "
                               f"(as {queued.file.filename}): nothing added.")
    else:
        messages.info(request, f"{upload.name} is already being imported: its progress is below.")
    return redirect("cash_import_status", queued.file.pk)


@require_GET
@cash_managers
def cash_import_status(request: SignedInRequest, pk: int) -> HttpResponse:
    file = get_object_or_404(StatementFile.objects.select_related("created_by").defer("content"), pk=pk)
    ctx = {"nav": "cash", "file": file, "errors": file.errors[:ERRORS_SHOWN],
           "running": file.status in (StatementFile.Status.QUEUED, StatementFile.Status.RUNNING)}
    return render(request, "cashapp/import_status.html#progress" if is_partial(request)
                  else "cashapp/import_status.html", ctx)


# --- Figures -----------------------------------------------------------------------------------------------

@require_GET
@figures_readers
def cash_figures(request: SignedInRequest) -> HttpResponse:
    figures = selectors.figures(user=request.user)
    recent = list(StatementFile.objects.filter(status=StatementFile.Status.DONE).defer("content")
                  .order_by("-finished_at")[:10])
    speeds = []  # the import's own duration, stored by cashapp.imports (not the wait for a worker)
    for file in recent:
        seconds, lines = file.result.get("seconds"), file.result.get("lines") or 0
        speeds.append((file, lines / seconds if seconds else None))
    chart = {"labels": [label for label, _ in figures.unapplied_by_age], "currency": settings.BASE_CURRENCY,
             "amounts": [str(amount) for _, amount in figures.unapplied_by_age]}
    return render(request, "cashapp/figures.html", {"nav": "cash", "figures": figures, "recent": speeds,
                                                     "chart": chart, "base_currency": settings.BASE_CURRENCY})
