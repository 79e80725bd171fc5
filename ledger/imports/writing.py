"""Writing a checked `Chunk` to the ledger in bulk, inside the import's single transaction.

Open amounts, unapplied amounts, statuses and closing dates are set exactly as `ledger.services`
would have set them row by row, so `check_ledger` agrees afterwards. Customers whose collector
changed move through `ledger.assignments.customers_assign`, which keeps the assignment history.
"""

from array import array
from datetime import date

import numpy as np
from django.contrib.auth.models import User
from django.db.models import Max
from django.utils import timezone

from core.generations import accounts_changed
from core.money import ZERO
from ledger.assignments import customers_assign
from ledger.hierarchy import families_refresh
from ledger.imports.bulk import insert_rows, update_rows
from ledger.imports.checks import CUSTOMER_FIELDS, Chunk
from ledger.imports.existing import chunks, customers
from ledger.imports.validation import CustomerRow
from ledger.models import Application, CreditNote, Customer, Invoice, Payment
from ledger.numbers import po_key
from portfolios.models import Assignment, Portfolio

ASSIGNMENT_REASON = "ERP import"


class Writer:
    """Writes chunk after chunk. Across chunks it keeps what the end of the import needs: the earliest
    date whose AR changed, the collectors' portfolios, accounts whose parent came later in the
    file, and the invoices the upload created (8 bytes each) or whose balance it moved."""

    def __init__(self, *, by: User | None = None) -> None:
        self.by, self.by_id = by, (by.pk if by else None)
        self.now = timezone.now()
        self.earliest: date | None = None
        self.portfolios: dict[str, int] = {}  # username → portfolio pk
        self.later_heads: list[tuple[int, str]] = []  # (customer pk, its parent's ERP id, written later)
        self.family_changed: set[int] = set()  # customers whose family may have changed
        self.created_invoices = array("q")
        self.touched_invoices = array("q")

    def touch(self, on: date) -> None:
        if self.earliest is None or on < self.earliest:
            self.earliest = on

    def write(self, kind: str, chunk: Chunk, *, users: dict) -> None:
        if kind == "customers":
            self.customers(chunk, users)
        elif kind == "invoices":
            self.invoices(chunk)
        else:
            self.cash(kind, chunk)

    # customers
    def customers(self, chunk: Chunk, users: dict) -> None:
        self.portfolios_for({r.collector for r in chunk.customers_new} | chunk.customers_moving.keys(), users)
        pks = chunk.customer_pks
        if chunk.customers_new or chunk.customers_changed:
            accounts_changed()  # new or renamed accounts: the e-delivery page's kept figures are obsolete
        # Parents first, level by level, so that their new accounts can point at them.
        waiting = list(chunk.customers_new)
        while waiting:
            batch = [r for r in waiting if not r.parent_id or r.parent_id in pks]
            if not batch:  # the rest name parents written in a later chunk
                batch, later = waiting, True
            else:
                later = False
            created = insert_rows(Customer, [self._customer(r, pks) for r in batch])
            pks.update(zip((r.external_id for r in batch), created, strict=True))
            if later:
                self.later_heads += [(pks[r.external_id], r.parent_id) for r in batch]
            waiting = [r for r in waiting if r.external_id not in pks]
        self.family_changed.update(pks[r.external_id] for r in chunk.customers_new if r.parent_id)
        self.family_changed.update(pk for pk, _ in chunk.customers_changed)
        self.later_heads += [(pk, r.parent_id) for pk, r in chunk.customers_changed
                             if r.parent_id and r.parent_id not in pks]
        today = timezone.localdate()
        insert_rows(Assignment, [
            {"customer_id": pks[r.external_id], "portfolio_id": self.portfolios[r.collector], "starts_on": today,
             "by_id": self.by_id, "reason": ASSIGNMENT_REASON}
            for r in chunk.customers_new if r.collector
        ])
        changed = [{**self._customer(record, pks), "pk": pk, "updated_at": self.now}
                   for pk, record in chunk.customers_changed]
        update_rows(Customer, changed, [*CUSTOMER_FIELDS, "parent_id", "updated_at"])
        for username, customer_pks in chunk.customers_moving.items():
            portfolio = Portfolio.objects.get(pk=self.portfolios[username])
            for part in chunks(customer_pks):
                customers_assign(customer_ids=part, portfolio=portfolio, by=self.by, reason=ASSIGNMENT_REASON,
                                 on=today)

    def customers_done(self) -> None:
        """Accounts written before their parent (later in the file) now point at it; then every family
        the upload touched gets its top and depths (`ledger.hierarchy.families_refresh`)."""
        if self.later_heads:
            heads = customers({head for _, head in self.later_heads})
            # A parent missing here was refused on its own row: the upload is rejected and rolled back.
            update_rows(Customer, [{"pk": pk, "parent_id": heads[head]["pk"], "updated_at": self.now}
                                   for pk, head in self.later_heads if head in heads], ["parent_id", "updated_at"])
            self.later_heads = []
        if self.family_changed:
            families_refresh(self.family_changed)
            self.family_changed = set()

    def portfolios_for(self, usernames: set, users: dict) -> None:
        """username → portfolio pk; a collector without a portfolio gets "<username>'s portfolio"."""
        for username in usernames - self.portfolios.keys():
            if not username:
                continue
            user = users[username]
            if user["portfolio_id"] is None:
                name = f"{username}'s portfolio"
                if Portfolio.objects.filter(name=name).exists():
                    name = f"{name} ({self.now:%Y-%m-%d %H:%M})"
                user["portfolio_id"] = Portfolio.objects.create(name=name, collector_id=user["pk"]).pk
            self.portfolios[username] = user["portfolio_id"]

    def _customer(self, record: CustomerRow, pks: dict) -> dict:
        return {"external_id": record.external_id, "parent_id": pks.get(record.parent_id) if record.parent_id else None,
                "portfolio_id": self.portfolios.get(record.collector),
                **{name: getattr(record, name) for name in CUSTOMER_FIELDS}}

    # invoices
    def invoices(self, chunk: Chunk) -> None:
        customers_by_id = chunk.customer_pks
        # Open and closed_on None: the model's defaults; the number and PO keys: derived by insert_rows.
        new = [{"external_id": r.external_id, "customer_id": customers_by_id[r.customer_id],
                "issue_date": r.issue_date, "due_date": r.due_date, "amount": r.amount, "currency": r.currency,
                "po_number": r.po_number, "open_amount": r.amount}
               for r in chunk.invoices_new]
        self.created_invoices.extend(insert_rows(Invoice, new))
        for r in chunk.invoices_new:
            self.touch(r.issue_date)
        changed = []
        for pk, record, open_amount in chunk.invoices_changed:
            changed.append({"pk": pk, "due_date": record.due_date, "po_number": record.po_number,
                            "po_key": po_key(record.po_number) or None,
                            "amount": record.amount, "open_amount": open_amount, "updated_at": self.now})
            self.touch(record.issue_date)
        update_rows(Invoice, changed, ["due_date", "po_number", "po_key", "amount", "open_amount", "updated_at"])

    # payments and credit notes
    def cash(self, kind: str, chunk: Chunk) -> None:
        model, source, date_field = ((Payment, "payment", "received_date") if kind == "payments"
                                     else (CreditNote, "credit_note", "issue_date"))
        documents, customer_pks = chunk.cash_new, chunk.customer_pks
        rows = [{"external_id": d.external_id, "customer_id": customer_pks[d.customer_id], "amount": d.amount,
                 "currency": d.currency, date_field: d.on,
                 "unapplied_amount": d.amount - sum((amount for _, amount in d.applied), ZERO)}
                for d in documents]
        if kind == "payments":
            for row, document in zip(rows, documents, strict=True):
                row["reference"] = document.reference
        pks = insert_rows(model, rows)
        applications = []
        for document, pk in zip(documents, pks, strict=True):
            applications += [{"invoice_id": chunk.balances[invoice_id].pk, "amount": amount,
                              "applied_on": document.on, "created_by_id": self.by_id,
                              "payment_id": None, "credit_note_id": None, f"{source}_id": pk}
                             for invoice_id, amount in document.applied]
            if document.applied:
                self.touch(document.on)
        insert_rows(Application, applications)
        self._balances(chunk)
        update_rows(Payment, chunk.links, ["erp_external_id"])

    def _balances(self, chunk: Chunk) -> None:
        """The invoices the chunk's cash reached: open amount and status; a paid invoice closes on the
        date of its latest application."""
        touched = [b for b in chunk.balances.values() if b.touched]
        closed_on = {b.pk: b.last_applied_on for b in touched if b.open_amount == 0 and b.untouched_before}
        paid_before = [b.pk for b in touched if b.open_amount == 0 and not b.untouched_before]
        for part in chunks(paid_before):  # paid off by this chunk, after cash that came earlier
            closed_on.update(Application.objects.filter(invoice_id__in=part, amount__gt=0).values("invoice_id")
                             .annotate(last=Max("applied_on")).values_list("invoice_id", "last"))
        update_rows(Invoice, [
            {"pk": b.pk, "open_amount": b.open_amount, "updated_at": self.now,
             "status": Invoice.Status.PAID if b.open_amount == 0 else Invoice.Status.OPEN,
             "closed_on": closed_on.get(b.pk)}
            for b in touched
        ], ["open_amount", "status", "closed_on", "updated_at"])
        self.touched_invoices.extend(b.pk for b in touched)

    def moved_invoice_ids(self) -> list[int]:
        """The invoices that were in the ledger before the import and whose balance it moved: their
        promises and plans settle once the import has committed."""
        touched = np.unique(np.frombuffer(self.touched_invoices, dtype=np.int64))
        created = np.frombuffer(self.created_invoices, dtype=np.int64)
        return touched[~np.isin(touched, created)].tolist()
