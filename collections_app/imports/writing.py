"""Writing a checked `Plan` to the ledger in bulk, inside the caller's single transaction.

Open amounts, unapplied amounts, statuses and closing dates were worked out in memory by
`checks.py` exactly as `services.py` would have set them row by row, so `check_ledger` agrees
afterwards. Customers whose collector changed move through `portfolios.services.customers_assign`,
which keeps the assignment history.
"""

from django.db import transaction
from django.utils import timezone

from collections_app.models import Application, CreditNote, Customer, Invoice, Payment
from collections_app.models.ledger import ZERO
from collections_app.work_services import promises_settle
from portfolios.models import Assignment, Portfolio
from portfolios.services import customers_assign

from .checks import CUSTOMER_FIELDS, Plan
from .existing import chunks

BATCH = 2000
ASSIGNMENT_REASON = "ERP import"


def write_plan(plan: Plan, *, by=None, progress=None) -> None:
    """Create and update everything the plan lists. Must run inside transaction.atomic()."""
    now = timezone.now()
    portfolios = _portfolios(plan, now)
    _customers(plan, portfolios, now, by)
    if progress:
        progress("Writing invoices")
    invoice_pks = _invoices(plan, now)
    if progress:
        progress("Writing payments and credit notes")
    _cash(plan, invoice_pks, now, by)
    settled = [b.pk for b in plan.balances.values() if b.touched and b.pk]
    if settled:
        transaction.on_commit(lambda: _settle_promises(settled))


def _settle_promises(invoice_pks: list[int]) -> None:
    for chunk in chunks(invoice_pks):
        promises_settle(invoice_ids=chunk)


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


def _customer(record, portfolios: dict, pks: dict) -> Customer:
    return Customer(
        external_id=record.external_id, parent_id=pks.get(record.parent_id) if record.parent_id else None,
        portfolio_id=portfolios.get(record.collector), **{name: getattr(record, name) for name in CUSTOMER_FIELDS},
    )


def _customers(plan: Plan, portfolios: dict, now, by) -> None:
    pks = plan.customer_pks
    # Family heads first, so that their new members can point at them.
    members = [r for r in plan.customers_new if r.parent_id and r.parent_id not in pks]
    heads = [r for r in plan.customers_new if not r.parent_id or r.parent_id in pks]
    for batch in (heads, members):
        created = Customer.objects.bulk_create([_customer(r, portfolios, pks) for r in batch], batch_size=BATCH)
        for customer in created:
            pks[customer.external_id] = customer.pk
    today = timezone.localdate()
    Assignment.objects.bulk_create(
        [Assignment(customer_id=pks[r.external_id], portfolio_id=portfolios[r.collector], starts_on=today, by=by,
                    reason=ASSIGNMENT_REASON)
         for r in plan.customers_new if r.collector],
        batch_size=BATCH,
    )
    changed = []
    for pk, record in plan.customers_changed:
        customer = _customer(record, portfolios, pks)
        customer.pk, customer.updated_at = pk, now
        changed.append(customer)
    Customer.objects.bulk_update(changed, [*CUSTOMER_FIELDS, "parent", "updated_at"], batch_size=BATCH)
    for username, customer_pks in plan.customers_moving.items():
        customers_assign(customer_ids=customer_pks, portfolio=Portfolio.objects.get(pk=portfolios[username]),
                         by=by, reason=ASSIGNMENT_REASON, on=today)


def _state(balance) -> tuple[str, object]:
    if balance.open_amount == 0:
        return Invoice.Status.PAID, balance.last_applied_on
    return Invoice.Status.OPEN, None


def _invoices(plan: Plan, now) -> dict[str, int]:
    customers = plan.customer_pks
    new = []
    for record in plan.invoices_new:
        balance = plan.balances[record.external_id]
        status, closed_on = _state(balance)
        new.append(Invoice(
            external_id=record.external_id, customer_id=customers[record.customer_id], issue_date=record.issue_date,
            due_date=record.due_date, amount=record.amount, currency=record.currency, po_number=record.po_number,
            open_amount=balance.open_amount, status=status, closed_on=closed_on,
        ))
    for invoice in Invoice.objects.bulk_create(new, batch_size=BATCH):
        plan.balances[invoice.external_id].pk = invoice.pk
    updated = []
    for external_id, balance in plan.balances.items():
        record = plan.invoices_changed.get(external_id)
        if balance.pk is None or (record is None and not balance.touched):
            continue
        invoice = Invoice(pk=balance.pk, open_amount=balance.open_amount, updated_at=now)
        invoice.status, invoice.closed_on = _state(balance)
        fields = ["open_amount", "status", "closed_on", "updated_at"]
        if record is not None:
            invoice.due_date, invoice.po_number, invoice.amount = record.due_date, record.po_number, record.amount
            fields += ["due_date", "po_number", "amount"]
        updated.append((tuple(fields), invoice))
    for fields in {fields for fields, _ in updated}:
        Invoice.objects.bulk_update([i for f, i in updated if f == fields], fields, batch_size=BATCH)
    return {external_id: balance.pk for external_id, balance in plan.balances.items()}


def _cash(plan: Plan, invoice_pks: dict, now, by) -> None:
    customers = plan.customer_pks
    applications = []
    for kind, model, source, date_field in (("payments", Payment, "payment", "received_date"),
                                            ("credits", CreditNote, "credit_note", "issue_date")):
        documents = plan.cash_new[kind]
        rows = [model(
            external_id=d.external_id, customer_id=customers[d.customer_id], amount=d.amount, currency=d.currency,
            unapplied_amount=d.amount - sum((amount for _, amount in d.applied), ZERO), **{date_field: d.on},
        ) for d in documents]
        for document, row in zip(documents, model.objects.bulk_create(rows, batch_size=BATCH), strict=True):
            applications += [Application(invoice_id=invoice_pks[invoice_id], amount=amount, applied_on=document.on,
                                          created_by=by, **{f"{source}_id": row.pk})
                             for invoice_id, amount in document.applied]
    Application.objects.bulk_create(applications, batch_size=BATCH)
