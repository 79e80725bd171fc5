"""The rules that need more than one row: ids against the ledger and against the rest of the upload.

`plan_import` reads the ledger once per kind, walks the parsed rows in file order (customers,
invoices, payments, credit notes) and returns a `Plan` of what to create and update, with every
invoice's open amount worked out in memory, plus the issues found. Nothing is written here.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ledger.imports import existing
from ledger.imports.validation import COLUMNS, MAX_AMOUNT, CashRow, CustomerRow, ImportIssue, InvoiceRow

CUSTOMER_FIELDS = ("name", "email", "phone", "payment_terms_days", "credit_limit", "currency", "segment")


@dataclass(slots=True)
class Balance:
    """An invoice as the upload leaves it: open amount, and the latest date cash or credit reached it."""

    pk: int | None
    customer_id: str
    currency: str
    issue_date: date
    open_amount: Decimal
    void: bool = False
    last_applied_on: date | None = None
    touched: bool = False
    new: bool = False  # created by this upload
    was_open: Decimal | None = None  # what the ledger said when the upload was checked


@dataclass(slots=True)
class CashDocument:
    """A payment (several rows, one per application) or a credit note to create."""

    external_id: str
    customer_id: str
    on: date
    currency: str
    amount: Decimal = Decimal("0.00")
    applied: list = field(default_factory=list)  # [(invoice id, amount)]


@dataclass
class Plan:
    customers_new: list = field(default_factory=list)  # [CustomerRow]
    customers_changed: list = field(default_factory=list)  # [(pk, CustomerRow)]
    customers_moving: dict = field(default_factory=lambda: defaultdict(list))  # username → [customer pk]
    customer_pks: dict = field(default_factory=dict)  # ERP id → pk, for customers already in the ledger
    collectors: dict = field(default_factory=dict)  # username → {pk, portfolio_id}
    invoices_new: list = field(default_factory=list)  # [InvoiceRow]
    invoices_changed: dict = field(default_factory=dict)  # ERP id → InvoiceRow
    balances: dict = field(default_factory=dict)  # invoice ERP id → Balance
    cash_new: dict = field(default_factory=lambda: {"payments": [], "credits": []})  # kind → [CashDocument]
    summary: dict = field(default_factory=dict)


class Checker:
    def __init__(self, raw_ids: dict, records: dict, issues: list):
        # raw_ids: kind → [(row, ERP id)] for every row, even a bad one; records: kind → parsed rows.
        self.raw_ids, self.records, self.issues = raw_ids, records, issues
        self.plan = Plan()
        self.uploaded = {kind: {external_id for _, external_id in rows if external_id}
                         for kind, rows in raw_ids.items()}
        self.customer_rows = {}
        self.plan.summary = {kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in records}

    def issue(self, kind: str, row: int, column: str, reason: str) -> None:
        self.issues.append(ImportIssue(kind, row, column, reason))

    def count(self, kind: str, outcome: str) -> None:
        self.plan.summary[kind][outcome] += 1

    def first_of_each(self, kind: str, rows: list) -> list:
        """Report a repeated ERP id on every row after its first; return the rows to go on with."""
        first_row, column = {}, COLUMNS[kind][0]
        for row, external_id in self.raw_ids.get(kind, ()):
            if not external_id:
                continue
            if external_id in first_row:
                self.issue(kind, row, column,
                           f"duplicate {column} {external_id} (also on row {first_row[external_id]})")
            else:
                first_row[external_id] = row
        return [record for record in rows if first_row.get(record.external_id) == record.row]

    # The ledger, read once per kind.
    def load(self) -> None:
        customer_ids = set(self.uploaded.get("customers", ()))
        customer_ids |= {r.parent_id for r in self.records.get("customers", ()) if r.parent_id}
        for kind in ("invoices", "payments", "credits"):
            customer_ids |= {r.customer_id for r in self.records.get(kind, ())}
        self.db_customers = existing.customers(customer_ids)
        self.plan.customer_pks = {external_id: row["pk"] for external_id, row in self.db_customers.items()}
        self.db_children = existing.children_of(
            {r.external_id for r in self.records.get("customers", ()) if r.parent_id}
        )
        invoice_ids = set(self.uploaded.get("invoices", ()))
        for kind in ("payments", "credits"):
            invoice_ids |= {r.invoice_id for r in self.records.get(kind, ()) if r.invoice_id}
        self.db_invoices = existing.invoices(invoice_ids)
        self.invoice_customer_parents = {
            row["customer__external_id"]: row["customer__parent__external_id"] or ""
            for row in self.db_invoices.values()
        }
        self.db_cash = {kind: existing.cash(kind, self.uploaded[kind]) for kind in ("payments", "credits")
                        if kind in self.uploaded}

    def known_customer(self, external_id: str) -> bool:
        return external_id in self.uploaded.get("customers", ()) or external_id in self.db_customers

    def parent_of(self, external_id: str) -> str | None:
        """The customer's family head after this upload ('' for a head); None when unknown."""
        if external_id in self.customer_rows:
            return self.customer_rows[external_id].parent_id
        if external_id in self.db_customers:
            return self.db_customers[external_id]["parent__external_id"] or ""
        return self.invoice_customer_parents.get(external_id)

    def family_of(self, external_id: str) -> str:
        return self.parent_of(external_id) or external_id

    # customers.csv
    def check_customers(self) -> None:
        rows = self.first_of_each("customers", self.records.get("customers", []))
        self.customer_rows = {r.external_id: r for r in rows}
        final_parents = {child: head for child, head in self.db_children.items() if child not in self.customer_rows}
        final_parents.update({r.external_id: r.parent_id for r in rows if r.parent_id})
        heads = defaultdict(list)
        for child, head in final_parents.items():
            heads[head].append(child)
        users = existing.collectors({r.collector for r in rows if r.collector})
        self.plan.collectors = {name: user for name, user in users.items() if user["is_collector"]}
        for record in rows:
            ok = self.check_parent(record, heads) & self.check_collector(record, users)
            if ok:
                self.plan_customer(record)

    def check_parent(self, record: CustomerRow, heads: dict) -> bool:
        parent = record.parent_id
        if not parent:
            return True
        if parent == record.external_id:
            reason = "a customer cannot be its own parent"
        elif not self.known_customer(parent):
            reason = f"unknown parent {parent} (not in the ledger nor in this customers file)"
        elif self.parent_of(parent):
            head = self.parent_of(parent)
            reason = f"{parent} belongs to the account family of {head}; name the family head {head} as parent"
        elif heads.get(record.external_id):
            members = ", ".join(sorted(heads[record.external_id])[:5])
            reason = f"{record.external_id} heads an account family ({members}) so it cannot join another one"
        else:
            return True
        self.issue("customers", record.row, "parent_id", reason)
        return False

    def check_collector(self, record: CustomerRow, users: dict) -> bool:
        name = record.collector
        if not name or name in self.plan.collectors:
            return True
        if name not in users:
            self.issue("customers", record.row, "collector",
                       f"unknown collector '{name}' (no active user by that name)")
        else:
            self.issue("customers", record.row, "collector", f"user '{name}' is not a collector")
        return False

    def plan_customer(self, record: CustomerRow) -> None:
        current = self.db_customers.get(record.external_id)
        if current is None:
            self.plan.customers_new.append(record)
            self.count("customers", "created")
            return
        changed = any(getattr(record, name) != current[name] for name in CUSTOMER_FIELDS)
        changed |= (record.parent_id or None) != current["parent__external_id"]
        if changed:
            self.plan.customers_changed.append((current["pk"], record))
        moving = bool(record.collector) and record.collector != current["portfolio__collector__username"]
        if moving:
            self.plan.customers_moving[record.collector].append(current["pk"])
        self.count("customers", "updated" if changed or moving else "unchanged")

    # invoices.csv
    def check_invoices(self) -> None:
        for external_id, row in self.db_invoices.items():
            self.plan.balances[external_id] = Balance(
                pk=row["pk"], customer_id=row["customer__external_id"], currency=row["currency"],
                issue_date=row["issue_date"], open_amount=row["open_amount"], void=row["status"] == "void",
                was_open=row["open_amount"],
            )
        created = 0
        for record in self.first_of_each("invoices", self.records.get("invoices", [])):
            if not self.known_customer(record.customer_id):
                self.issue("invoices", record.row, "customer_id",
                           f"unknown customer {record.customer_id} (not in the ledger nor in the customers file)")
                continue
            current = self.db_invoices.get(record.external_id)
            if current is None:
                self.plan.invoices_new.append(record)
                self.plan.balances[record.external_id] = Balance(
                    None, record.customer_id, record.currency, record.issue_date, record.amount, new=True,
                )
                created += 1
            else:
                self.check_invoice_change(record, current)
        if "invoices" in self.plan.summary:
            self.plan.summary["invoices"]["created"] += created

    def check_invoice_change(self, record: InvoiceRow, current: dict) -> None:
        name, row = record.external_id, record.row
        fixed = (("customer_id", record.customer_id, current["customer__external_id"], "customer"),
                 ("currency", record.currency, current["currency"], "currency"),
                 ("issue_date", record.issue_date, current["issue_date"], "issue date"))
        problems = [(column, f"invoice {name} has {label} {was} in the ledger; the {label} of an invoice "
                             f"cannot change (void it and issue a new one)")
                    for column, now, was, label in fixed if now != was]
        changed = (record.due_date != current["due_date"] or record.po_number != current["po_number"]
                   or record.amount != current["amount"])
        if changed and current["status"] == "void":
            problems.append(("invoice_id", f"invoice {name} is void in the workbench; it cannot change"))
        elif record.amount != current["amount"] and current["open_amount"] != current["amount"]:
            settled = current["amount"] - current["open_amount"]
            problems.append(("amount", f"invoice {name} already has {settled} of payments, credits or write-offs "
                                       f"against it; its amount cannot change from {current['amount']} to "
                                       f"{record.amount}"))
        for column, reason in problems:
            self.issue("invoices", row, column, reason)
        if problems:
            return
        if changed:
            self.plan.invoices_changed[name] = record
            self.plan.balances[name].open_amount = record.amount if record.amount != current["amount"] \
                else current["open_amount"]
        self.count("invoices", "updated" if changed else "unchanged")

    # payments.csv and credit_notes.csv
    def check_cash(self, kind: str) -> None:
        """Rows of one payment share its id (one row per invoice it pays; no invoice = unapplied cash);
        a credit note has one row. Each application may take at most what is still open on the invoice
        after the earlier rows of this upload."""
        label = "payment" if kind == "payments" else "credit note"
        records = self.records.get(kind, [])
        if kind == "credits":
            records = self.first_of_each(kind, records)
        documents: dict[str, list[CashRow]] = defaultdict(list)
        for record in records:
            documents[record.external_id].append(record)
        for external_id, rows in documents.items():
            rows = self.consistent_rows(kind, label, rows)
            if not self.known_customer(rows[0].customer_id):
                self.issue(kind, rows[0].row, "customer_id", f"unknown customer {rows[0].customer_id} "
                                                             f"(not in the ledger nor in the customers file)")
                continue
            current = self.db_cash.get(kind, {}).get(external_id)
            if current is not None:
                self.compare_imported(kind, label, rows, current)
                continue
            document = CashDocument(external_id, rows[0].customer_id, rows[0].on, rows[0].currency)
            for record in rows:
                document.amount += record.amount
                if record.invoice_id and self.apply(kind, label, record):
                    document.applied.append((record.invoice_id, record.amount))
            if document.amount > MAX_AMOUNT:
                self.issue(kind, rows[0].row, "amount", f"{label} {external_id} adds up to {document.amount}, "
                                                        f"more than the ledger can hold")
                continue
            self.plan.cash_new[kind].append(document)
            self.count(kind, "created")

    def consistent_rows(self, kind: str, label: str, rows: list[CashRow]) -> list[CashRow]:
        first, kept, seen = rows[0], [rows[0]], {rows[0].invoice_id: rows[0].row}
        date_column = "received_date" if kind == "payments" else "issue_date"
        for record in rows[1:]:
            for column, attribute in (("customer_id", "customer_id"), (date_column, "on"), ("currency", "currency")):
                if getattr(record, attribute) != getattr(first, attribute):
                    self.issue(kind, record.row, column, f"{label} {record.external_id} has {column} "
                               f"{getattr(record, attribute)} here but {getattr(first, attribute)} on row "
                               f"{first.row}; every row of a {label} must agree")
            if record.invoice_id in seen:
                what = f"invoice {record.invoice_id}" if record.invoice_id else "unapplied cash"
                self.issue(kind, record.row, "invoice_id", f"{label} {record.external_id} lists {what} twice "
                                                           f"(also on row {seen[record.invoice_id]})")
                continue
            seen[record.invoice_id] = record.row
            kept.append(record)
        return kept

    def apply(self, kind: str, label: str, record: CashRow) -> bool:
        invoice = self.plan.balances.get(record.invoice_id)
        if invoice is None:
            if record.invoice_id not in self.uploaded.get("invoices", ()):
                self.issue(kind, record.row, "invoice_id", f"unknown invoice {record.invoice_id} "
                                                           f"(not in the ledger nor in the invoices file)")
            return False
        problem = None
        if self.family_of(invoice.customer_id) != self.family_of(record.customer_id):
            problem = ("invoice_id", f"invoice {record.invoice_id} belongs to customer {invoice.customer_id}, "
                                     f"not to {record.customer_id} or its account family")
        elif invoice.void:
            problem = ("invoice_id", f"invoice {record.invoice_id} is void")
        elif invoice.currency != record.currency:
            problem = ("currency", f"the {label} is in {record.currency} but invoice {record.invoice_id} is in "
                                   f"{invoice.currency}")
        elif record.on < invoice.issue_date:
            problem = ("invoice_id", f"the {label} is dated {record.on}, before invoice {record.invoice_id} was "
                                     f"issued on {invoice.issue_date}")
        elif record.amount > invoice.open_amount:
            problem = ("amount", f"{record.amount} is more than the {invoice.open_amount} open on invoice "
                                 f"{record.invoice_id} (after the earlier rows of this upload)")
        if problem:
            self.issue(kind, record.row, *problem)
            return False
        invoice.open_amount -= record.amount
        invoice.touched = True
        if invoice.last_applied_on is None or record.on > invoice.last_applied_on:
            invoice.last_applied_on = record.on
        return True

    def compare_imported(self, kind: str, label: str, rows: list[CashRow], current: dict) -> None:
        """Importing the same payment again changes nothing. Cash the ERP sent as unapplied may have
        been applied in the workbench since; anything else that differs is an error."""
        first, name = rows[0], rows[0].external_id
        total = sum((r.amount for r in rows), Decimal("0.00"))
        applied = {r.invoice_id: r.amount for r in rows if r.invoice_id}
        differences = [what for what, now, was in (
            ("customer", first.customer_id, current["customer__external_id"]),
            ("date", first.on, current["on"]), ("currency", first.currency, current["currency"]),
            ("amount", total, current["amount"]),
        ) if now != was]
        later = sum((amount for invoice_id, amount in current["applied"].items() if invoice_id not in applied),
                    Decimal("0.00"))
        if any(current["applied"].get(invoice_id) != amount for invoice_id, amount in applied.items()) \
                or later > total - sum(applied.values(), Decimal("0.00")):
            differences.append("applications")
        if differences:
            self.issue(kind, first.row, COLUMNS[kind][0],
                       f"{label} {name} already imported with different {', '.join(differences)}")
        else:
            self.count(kind, "unchanged")


def plan_import(raw_ids: dict, records: dict, issues: list) -> Plan:
    checker = Checker(raw_ids, records, issues)
    checker.load()
    checker.check_customers()
    checker.check_invoices()
    for kind in ("payments", "credits"):
        if kind in records:
            checker.check_cash(kind)
    return checker.plan
