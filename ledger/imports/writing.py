"""Writing a checked `Plan` to the ledger in bulk, inside the caller's single transaction.

Open amounts, unapplied amounts, statuses and closing dates were worked out in memory by
`checks.py` exactly as `ledger.services` would have set them row by row, so `check_ledger` agrees
afterwards. Customers whose collector changed move through `team.services.customers_assign`,
which keeps the assignment history.
"""

from datetime import date

from django.utils import timezone

from core.money import ZERO
from ledger.assignments import customers_assign
from ledger.imports.bulk import insert_rows, update_rows
from ledger.imports.checks import CUSTOMER_FIELDS, Plan
from ledger.imports.existing import chunks
from ledger.models import Application, CreditNote, Customer, Invoice, Payment
from ledger.touch import ledger_touch
from portfolios.models import Assignment, Portfolio

ASSIGNMENT_REASON = "ERP import"


class LedgerMoved(Exception):
    """Money moved on an invoice between checking the upload and writing it."""


def write_plan(plan: Plan, *, by=None, progress=None) -> list[int]:
    """Create and update everything the plan lists. Must run inside transaction.atomic(). Returns
    the existing invoices whose balance the import moved: their promises and plans settle once the
    import has committed (the caller's `work.settlement.money_moved`)."""
    now = timezone.now()
    portfolios = _portfolios(plan, now)
    _customers(plan, portfolios, now, by)
    if progress:
        progress("Writing invoices")
    _invoices(plan, now)
    if progress:
        progress("Writing payments and credit notes")
    _cash(plan, now, by)
    ledger_touch(on=earliest_touched(plan))
    return [b.pk for b in plan.balances.values() if b.touched and not b.new]


def earliest_touched(plan: Plan) -> date | None:
    """The earliest date whose AR the plan changes: an invoice's issue date (new, or its amount or due
    date changed) or the date cash or credit is applied; None when it writes no money."""
    dates = [r.issue_date for r in plan.invoices_new] + [r.issue_date for r in plan.invoices_changed.values()]
    dates += [d.on for kind in ("payments", "credits") for d in plan.cash_new[kind] if d.applied]
    return min(dates, default=None)


def _portfolios(plan: Plan, now) -> dict[str, int]:
    """username → portfolio pk; a collector without a portfolio gets "<username>'s portfolio"."""
    portfolios = {}
    for username, user in plan.collectors.items():
        if user["portfolio_id"] is None:
            name = f"{username}'s portfolio"
            if Portfolio.objects.filter(name=name).exists():
                name = f"{name} ({now:%Y-%m-%d %H:%M})"
            user["portfolio_id"] = Portfolio.objects.create(name=name, collector_id=user["pk"]).pk
        portfolios[username] = user["portfolio_id"]
    return portfolios


def _customer(record, portfolios: dict, pks: dict) -> dict:
    return {"external_id": record.external_id, "parent_id": pks.get(record.parent_id) if record.parent_id else None,
            "portfolio_id": portfolios.get(record.collector),
            **{name: getattr(record, name) for name in CUSTOMER_FIELDS}}


def _customers(plan: Plan, portfolios: dict, now, by) -> None:
    pks = plan.customer_pks
    # Family heads first, so that their new members can point at them.
    members = [r for r in plan.customers_new if r.parent_id and r.parent_id not in pks]
    heads = [r for r in plan.customers_new if not r.parent_id or r.parent_id in pks]
    for batch in (heads, members):
        created = insert_rows(Customer, [_customer(r, portfolios, pks) for r in batch])
        pks.update(zip((r.external_id for r in batch), created, strict=True))
    today = timezone.localdate()
    insert_rows(Assignment, [
        {"customer_id": pks[r.external_id], "portfolio_id": portfolios[r.collector], "starts_on": today,
         "by_id": by.pk if by else None, "reason": ASSIGNMENT_REASON}
        for r in plan.customers_new if r.collector
    ])
    changed = [{**_customer(record, portfolios, pks), "pk": pk, "updated_at": now}
               for pk, record in plan.customers_changed]
    update_rows(Customer, changed, [*CUSTOMER_FIELDS, "parent_id", "updated_at"])
    for username, customer_pks in plan.customers_moving.items():
        portfolio = Portfolio.objects.get(pk=portfolios[username])
        for chunk in chunks(customer_pks):
            customers_assign(customer_ids=chunk, portfolio=portfolio, by=by, reason=ASSIGNMENT_REASON, on=today)


def _state(balance) -> tuple[str, object]:
    if balance.open_amount == 0:
        return Invoice.Status.PAID, balance.last_applied_on
    return Invoice.Status.OPEN, None


def _invoices(plan: Plan, now) -> None:
    customers = plan.customer_pks
    new = []
    for record in plan.invoices_new:
        status, closed_on = _state(plan.balances[record.external_id])
        new.append({
            "external_id": record.external_id, "customer_id": customers[record.customer_id],
            "issue_date": record.issue_date, "due_date": record.due_date, "amount": record.amount,
            "currency": record.currency, "po_number": record.po_number,
            "open_amount": plan.balances[record.external_id].open_amount, "status": status, "closed_on": closed_on,
        })
    for record, pk in zip(plan.invoices_new, insert_rows(Invoice, new), strict=True):
        plan.balances[record.external_id].pk = pk
    balance_fields = ["open_amount", "status", "closed_on", "updated_at"]
    touched, changed = [], []
    for external_id, balance in plan.balances.items():
        record = plan.invoices_changed.get(external_id)
        if balance.new or (record is None and not balance.touched):
            continue
        status, closed_on = _state(balance)
        row = {"pk": balance.pk, "open_amount": balance.open_amount, "status": status, "closed_on": closed_on,
               "updated_at": now}
        if record is None:
            touched.append(row)
        else:
            changed.append({**row, "due_date": record.due_date, "po_number": record.po_number,
                            "amount": record.amount})
    _lock_unchanged(plan, [row["pk"] for row in touched + changed])
    update_rows(Invoice, touched, balance_fields)
    update_rows(Invoice, changed, [*balance_fields, "due_date", "po_number", "amount"])


def _lock_unchanged(plan: Plan, pks: list[int]) -> None:
    """The upload was checked against the ledger before this transaction began. Lock the invoices it
    changes and make sure nobody moved money on them since; otherwise stop, and write nothing."""
    locking = set(pks)
    was = {b.pk: (external_id, b.was_open) for external_id, b in plan.balances.items() if b.pk in locking}
    for chunk in chunks(pks):
        for pk, open_amount in Invoice.objects.select_for_update().filter(pk__in=chunk).values_list("pk",
                                                                                                  "open_amount"):
            if open_amount != was[pk][1]:
                raise LedgerMoved(f"invoice {was[pk][0]} changed while the import was being checked (open "
                                  f"{was[pk][1]}, now {open_amount}); nothing was written, run the import again")


def _cash(plan: Plan, now, by) -> None:
    customers = plan.customer_pks
    applications = []
    for kind, model, source, date_field in (("payments", Payment, "payment", "received_date"),
                                            ("credits", CreditNote, "credit_note", "issue_date")):
        documents = plan.cash_new[kind]
        pks = insert_rows(model, [{
            "external_id": d.external_id, "customer_id": customers[d.customer_id], "amount": d.amount,
            "currency": d.currency, date_field: d.on,
            "unapplied_amount": d.amount - sum((amount for _, amount in d.applied), ZERO),
        } for d in documents])
        for document, pk in zip(documents, pks, strict=True):
            applications += [{"invoice_id": plan.balances[invoice_id].pk, "amount": amount,
                              "applied_on": document.on, "created_by_id": by.pk if by else None,
                              "payment_id": None, "credit_note_id": None, f"{source}_id": pk}
                             for invoice_id, amount in document.applied]
    insert_rows(Application, applications)
