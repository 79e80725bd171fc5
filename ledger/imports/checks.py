"""The rules that need more than one row: ids against the ledger and against the rest of the upload.

The import checks one chunk of rows at a time (customers, then invoices, then payments, then credit
notes), after every earlier chunk was written in the same transaction: what the ledger holds (looked
up once per chunk, invoices locked for the transaction) then includes what the upload wrote so far,
and the rest of the upload is asked of its staging table (`staging.Stage`). Each check returns a
`Chunk` of what to create and change; nothing is written here.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ledger.hierarchy import MAX_DEPTH, chain_text, cycle_from
from ledger.imports import existing
from ledger.imports.staging import Stage
from ledger.imports.validation import COLUMNS, KINDS, MAX_AMOUNT, CashRow, CustomerRow, ImportIssue, InvoiceRow

CUSTOMER_FIELDS = ("name", "email", "phone", "payment_terms_days", "credit_limit", "currency", "segment")
ZERO = Decimal("0.00")


@dataclass(slots=True)
class Balance:
    """An invoice that this chunk's cash reaches: its open amount as the chunk leaves it."""

    pk: int
    customer_id: str
    family: str
    currency: str
    issue_date: date
    open_amount: Decimal
    amount: Decimal
    void: bool = False
    touched: bool = False
    untouched_before: bool = False  # nothing was applied to it before this chunk
    last_applied_on: date | None = None  # the latest date this chunk's cash reached it


@dataclass(slots=True)
class CashDocument:
    """A payment (several rows, one per application) or a credit note to create."""

    external_id: str
    customer_id: str
    on: date
    currency: str
    reference: str = ""
    amount: Decimal = ZERO
    applied: list = field(default_factory=list)  # [(invoice ERP id, amount)]


@dataclass
class Chunk:
    """What one chunk of rows creates and changes."""

    customers_new: list = field(default_factory=list)  # [CustomerRow]
    customers_changed: list = field(default_factory=list)  # [(pk, CustomerRow)]
    customers_moving: dict = field(default_factory=lambda: defaultdict(list))  # username → [customer pk]
    customer_pks: dict = field(default_factory=dict)  # ERP id → pk of the customers in the ledger it names
    invoices_new: list = field(default_factory=list)  # [InvoiceRow]
    invoices_changed: list = field(default_factory=list)  # [(pk, InvoiceRow, open amount)]
    balances: dict = field(default_factory=dict)  # invoice ERP id → Balance
    cash_new: list = field(default_factory=list)  # [CashDocument]
    links: list = field(default_factory=list)  # [{"pk": our payment, "erp_external_id": the ERP's id}]


class Checker:
    """Checks chunk after chunk. Across chunks it keeps only counts, the collectors met so far and the
    issues found (which the engine caps)."""

    def __init__(self, stages: dict[str, Stage], issues: list):
        self.stages, self.issues = stages, issues
        self.summary = {kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in stages}
        if "payments" in stages:
            self.summary["payments"]["linked"] = 0
        self.users: dict[str, dict | None] = {}  # username → user (None: no active user by that name)

    def final_summary(self) -> dict:
        """kind → counts, in file order; `linked` only when some payment was linked."""
        summary = {kind: dict(self.summary[kind]) for kind in KINDS if kind in self.summary}
        if "payments" in summary and not summary["payments"]["linked"]:
            del summary["payments"]["linked"]
        return summary

    def check(self, kind: str, rows: list) -> Chunk:
        """`rows`: (first row of the ERP id, record) in file order, a chunk of one file."""
        if kind == "customers":
            return self.customers(rows)
        if kind == "invoices":
            return self.invoices(rows)
        return self.cash(kind, rows)

    def issue(self, kind: str, row: int, column: str, reason: str) -> None:
        self.issues.append(ImportIssue(kind, row, column, reason))

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.summary[kind][outcome] += n

    def first_of_each(self, kind: str, rows: list) -> list:
        """Report a repeated ERP id on every row after its first; return the rows to go on with."""
        column, kept = COLUMNS[kind][0], []
        for first_row, record in rows:
            if first_row == record.row:
                kept.append(record)
            else:
                self.issue(kind, record.row, column,
                           f"duplicate {column} {record.external_id} (also on row {first_row})")
        return kept

    def in_upload(self, kind: str, ids: set) -> set:
        return self.stages[kind].present(ids) if kind in self.stages and ids else set()

    # customers.csv
    def customers(self, rows: list) -> Chunk:
        chunk = Chunk()
        rows = self.first_of_each("customers", rows)
        by_id = {r.external_id: r for r in rows}
        parents = {r.parent_id for r in rows if r.parent_id}
        ledger = existing.customers(by_id.keys() | parents)
        stage = self.stages["customers"]
        upload_parent = dict(stage.first_good(parents - by_id.keys(), "parent_id"))
        known = by_id.keys() | ledger.keys() | upload_parent.keys() | self.in_upload("customers", parents)
        parent_of = self.parents_above({r.external_id: r.parent_id or "" for r in rows}, ledger, upload_parent)
        self.meet_collectors({r.collector for r in rows if r.collector})
        for record in rows:
            ok = self.check_parent(record, known, parent_of) & self.check_collector(record)
            if ok:
                self.plan_customer(chunk, record, ledger.get(record.external_id))
        chunk.customer_pks = {external_id: row["pk"] for external_id, row in ledger.items()}
        return chunk

    def parents_above(self, parents: dict, ledger: dict, upload_parent: dict) -> Callable[[str], str | None]:
        """Every ancestor of the chunk's customers as the upload leaves them (the upload's parent_id
        wins over the ledger's): ERP id → parent ERP id ('' for a top, None when unknown). Two queries
        a level of the deepest family."""
        parents = {**parents, **{i: p or "" for i, p in upload_parent.items()}}
        parents.update({i: row["parent__external_id"] or "" for i, row in ledger.items() if i not in parents})
        stage = self.stages["customers"]
        frontier = {p for p in parents.values() if p and p not in parents}
        for _ in range(MAX_DEPTH):
            if not frontier:
                break
            found: dict[str, str | None] = dict(stage.first_good(frontier, "parent_id"))
            found.update(existing.parents_of(frontier - found.keys()))
            parents.update({i: p or "" for i, p in found.items()})
            frontier = {p for p in found.values() if p and p not in parents}
        return parents.get

    def meet_collectors(self, usernames: set) -> None:
        new = usernames - self.users.keys()
        if new:
            found = existing.collectors(new)
            self.users.update({name: found.get(name) for name in new})

    def check_parent(self, record: CustomerRow, known: set, parent_of: Callable[[str], str | None]) -> bool:
        parent = record.parent_id
        if not parent:
            return True
        if parent == record.external_id:
            reason = "a customer cannot be its own parent"
        elif parent not in known:
            reason = f"unknown parent {parent} (not in the ledger nor in this customers file)"
        elif looped := cycle_from(record.external_id, parent_of):
            reason = f"parent {parent} makes a cycle: {chain_text(looped)}"
        else:
            return True
        self.issue("customers", record.row, "parent_id", reason)
        return False

    def check_collector(self, record: CustomerRow) -> bool:
        name = record.collector
        user = self.users.get(name)
        if not name or (user and user["is_collector"]):
            return True
        if user is None:
            self.issue("customers", record.row, "collector",
                       f"unknown collector '{name}' (no active user by that name)")
        else:
            self.issue("customers", record.row, "collector", f"user '{name}' is not a collector")
        return False

    def plan_customer(self, chunk: Chunk, record: CustomerRow, current: dict | None) -> None:
        if current is None:
            chunk.customers_new.append(record)
            self.count("customers", "created")
            return
        changed = any(getattr(record, name) != current[name] for name in CUSTOMER_FIELDS)
        changed |= (record.parent_id or None) != current["parent__external_id"]
        if changed:
            chunk.customers_changed.append((current["pk"], record))
        moving = bool(record.collector) and record.collector != current["portfolio__collector__username"]
        if moving:
            chunk.customers_moving[record.collector].append(current["pk"])
        self.count("customers", "updated" if changed or moving else "unchanged")

    def known_customers(self, kind: str, rows: list, customers: dict) -> list:
        """The rows whose customer is in the ledger (the upload's customers were written first). A
        customer on a bad row of the customers file is not reported again as unknown."""
        missing = {r.customer_id for r in rows if r.customer_id not in customers}
        on_bad_rows = self.in_upload("customers", missing)
        kept = []
        for record in rows:
            if record.customer_id in customers:
                kept.append(record)
            elif record.customer_id not in on_bad_rows:
                self.issue(kind, record.row, "customer_id", f"unknown customer {record.customer_id} (not in the "
                                                            f"ledger nor in the customers file)")
        return kept

    # invoices.csv
    def invoices(self, rows: list) -> Chunk:
        chunk = Chunk()
        rows = self.first_of_each("invoices", rows)
        customers = existing.customers({r.customer_id for r in rows})
        chunk.customer_pks = {external_id: row["pk"] for external_id, row in customers.items()}
        rows = self.known_customers("invoices", rows, customers)
        ledger = existing.invoices({r.external_id for r in rows}, lock=True)
        for record in rows:
            current = ledger.get(record.external_id)
            if current is None:
                chunk.invoices_new.append(record)
                self.count("invoices", "created")
            else:
                self.check_invoice_change(chunk, record, current)
        return chunk

    def check_invoice_change(self, chunk: Chunk, record: InvoiceRow, current: dict) -> None:
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
            open_amount = record.amount if record.amount != current["amount"] else current["open_amount"]
            chunk.invoices_changed.append((current["pk"], record, open_amount))
        self.count("invoices", "updated" if changed else "unchanged")

    # payments.csv and credit_notes.csv
    def cash(self, kind: str, rows: list) -> Chunk:
        """Rows of one payment share its id (one row per invoice it pays; no invoice = unapplied cash);
        a credit note has one row. Each application may take at most what is still open on the invoice
        after the earlier rows of this upload."""
        chunk = Chunk()
        label = "payment" if kind == "payments" else "credit note"
        records = self.first_of_each(kind, rows) if kind == "credits" else [record for _, record in rows]
        documents: dict[str, list[CashRow]] = defaultdict(list)
        for record in records:
            documents[record.external_id].append(record)
        customers = existing.customers({r.customer_id for r in records})
        chunk.customer_pks = {external_id: row["pk"] for external_id, row in customers.items()}
        self.load_balances(chunk, {r.invoice_id for r in records if r.invoice_id})
        referenced = {r.invoice_id for r in records if r.invoice_id}
        self.invoices_on_bad_rows = self.in_upload("invoices", referenced - chunk.balances.keys())
        ledger = existing.cash(kind, documents.keys())
        links = Links(self, documents) if kind == "payments" else None
        for external_id, document_rows in documents.items():
            document_rows = self.consistent_rows(kind, label, document_rows)
            first = document_rows[0]
            if not self.known_customers(kind, [first], customers):
                continue
            if links and links.settle(chunk, document_rows, customers):
                continue
            current = ledger.get(external_id)
            if current is not None:
                self.compare_imported(kind, label, document_rows, current)
                continue
            document = CashDocument(external_id, first.customer_id, first.on, first.currency, first.reference)
            for record in document_rows:
                document.amount += record.amount
                if record.invoice_id and self.apply(kind, label, record, chunk.balances, customers):
                    document.applied.append((record.invoice_id, record.amount))
            if document.amount > MAX_AMOUNT:
                self.issue(kind, first.row, "amount", f"{label} {external_id} adds up to {document.amount}, "
                                                      f"more than the ledger can hold")
                continue
            chunk.cash_new.append(document)
            self.count(kind, "created")
        return chunk

    def load_balances(self, chunk: Chunk, invoice_ids: set) -> None:
        """The invoices the chunk's cash names, locked until the import commits: nobody moves money on
        them between this check and the write."""
        for external_id, row in existing.invoices(invoice_ids, lock=True).items():
            chunk.balances[external_id] = Balance(
                pk=row["pk"], customer_id=row["customer__external_id"],
                family=row["customer__family_top__external_id"] or row["customer__external_id"],
                currency=row["currency"], issue_date=row["issue_date"], open_amount=row["open_amount"],
                amount=row["amount"], void=row["status"] == "void",
                untouched_before=row["open_amount"] == row["amount"],
            )

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

    def apply(self, kind: str, label: str, record: CashRow, balances: dict, customers: dict) -> bool:
        invoice = balances.get(record.invoice_id)
        if invoice is None:
            if record.invoice_id not in self.invoices_on_bad_rows:  # whose own issue says why
                self.issue(kind, record.row, "invoice_id", f"unknown invoice {record.invoice_id} "
                                                           f"(not in the ledger nor in the invoices file)")
            return False
        problem = None
        if invoice.family != family_of(record.customer_id, customers):
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
        total = sum((r.amount for r in rows), ZERO)
        applied = {r.invoice_id: r.amount for r in rows if r.invoice_id}
        differences = [what for what, now, was in (
            ("customer", first.customer_id, current["customer__external_id"]),
            ("date", first.on, current["on"]), ("currency", first.currency, current["currency"]),
            ("amount", total, current["amount"]),
        ) if now != was]
        later = sum((amount for invoice_id, amount in current["applied"].items() if invoice_id not in applied), ZERO)
        if any(current["applied"].get(invoice_id) != amount for invoice_id, amount in applied.items()) \
                or later > total - sum(applied.values(), ZERO):
            differences.append("applications")
        if differences:
            self.issue(kind, first.row, COLUMNS[kind][0],
                       f"{label} {name} already imported with different {', '.join(differences)}")
        else:
            self.count(kind, "unchanged")


def family_of(external_id: str, customers: dict) -> str:
    """The top of the customer's family (itself for a top), from an `existing.customers` lookup."""
    customer = customers.get(external_id)
    return (customer and customer["family_top__external_id"]) or external_id


class Links:
    """Payments taken here (online, or matched from a bank statement) come back from the ERP under its
    own payment id, with our payment id as `reference`. Such a row links the two (our payment keeps
    the ERP's id in `erp_external_id`) and adds nothing: the money was applied here already. A row
    whose payment id is already linked is unchanged; one that names our payment but disagrees on the
    customer family, amount or currency is a bad row."""

    def __init__(self, checker: Checker, documents: dict):
        self.checker = checker
        self.linked = existing.linked_payments(documents.keys())
        references = {rows[0].reference for rows in documents.values() if rows[0].reference}
        self.ours = existing.payments_taken_here(references)

    def settle(self, chunk: Chunk, rows: list[CashRow], customers: dict) -> bool:
        """True when the payment is (or now gets) linked to ours, or is a bad row about that."""
        first = rows[0]
        ours = self.linked.get(first.external_id)
        if ours is None:
            ours = self.ours.get(first.reference)
            if ours is None:
                return False
            if ours["erp_external_id"]:
                self.checker.issue("payments", first.row, "reference",
                                   f"reference {first.reference} is our payment already linked to ERP payment "
                                   f"{ours['erp_external_id']}")
                return True
        problem = self.disagreement(rows, ours, customers)
        if problem:
            self.checker.issue("payments", first.row, *problem)
        elif ours["erp_external_id"]:
            self.checker.count("payments", "unchanged")  # linked by an earlier import
        else:
            chunk.links.append({"pk": ours["pk"], "erp_external_id": first.external_id})
            ours["erp_external_id"] = first.external_id
            self.checker.count("payments", "linked")
        return True

    @staticmethod
    def disagreement(rows: list[CashRow], ours: dict, customers: dict) -> tuple[str, str] | None:
        first = rows[0]
        total = sum((r.amount for r in rows), ZERO)
        what = (f"reference {ours['external_id']} is our payment of {ours['amount']} {ours['currency']} for customer "
                f"{ours['customer__external_id']}")
        if ours["status"] == "reversed":
            return "reference", f"{what}, which was reversed; it cannot be linked"
        our_family = ours["customer__family_top__external_id"] or ours["customer__external_id"]
        if our_family != family_of(first.customer_id, customers):
            return "customer_id", f"{what}; the row says customer {first.customer_id}"
        if ours["currency"] != first.currency:
            return "currency", f"{what}; the row says {first.currency}"
        if ours["amount"] != total:
            return "amount", f"{what}; the row says {total}"
        if first.reference and first.reference != ours["external_id"]:
            return "reference", (f"payment {first.external_id} is already linked to our payment "
                                 f"{ours['external_id']}; the row's reference says {first.reference}")
        return None
