"""ERP exports as they come: the import and its preview through a `Mapping`.

`import_mapped` reads each file through the mapping and hands the tables to the engine's usual
two passes (all or nothing, every bad row listed, idempotent). Two more files can be made from
the invoices themselves, inside the same import:

- customers (`create_customers`, when no customers file is given): one per customer id of the
  invoices that the ledger does not have yet, named from the mapped `customer_name` column (else
  its id), with default terms; in the default currency when the mapping has a code;
- payments (when `settled_date` is mapped and no payments file is given): an invoice with a settled
  date was paid in full that day, by a payment `SETTLED-<invoice id>`. Its rows are numbered with
  the invoice's line in the file.

`preview` reads the first rows of each file as the import will, with each cell's problem.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings

from ledger.imports.engine import ImportResult, Progress, cyclic_gc_paused, run_import
from ledger.imports.mapping import CUSTOMER_CURRENCY, CustomerCurrencies, Mapping
from ledger.imports.reading import Table, mapped_rows, table_from_csv
from ledger.imports.validation import FILE_NAMES, KINDS, BadCell, BadValue, ImportIssue, parse_cells, text
from ledger.models import Customer

Source = Any  # a path, bytes or an open binary file
PREVIEW_ROWS = 20
SETTLED_PREFIX = "SETTLED-"


def import_mapped(*, mapping: Mapping, customers=None, invoices=None, payments=None, credits=None,
                  dry_run: bool = False, by=None, progress: Progress | None = None) -> ImportResult:
    """Import ERP exports (paths, bytes or open binary files; CSV or XLSX) read through `mapping`."""
    given = {"customers": customers, "invoices": invoices, "payments": payments, "credits": credits}
    given = {kind: source for kind, source in given.items() if source is not None}
    refused = _refused_options(mapping, given)
    if refused:
        return run_import({"": Table("", issues=[ImportIssue("", 0, "", refused)])})
    currencies = CustomerCurrencies()
    with cyclic_gc_paused():
        tables = {kind: table_from_csv(kind, source, mapping, currencies) for kind, source in given.items()}
        if "invoices" in given and mapping.create_customers:
            made = _customers_of(given["invoices"], mapping, currencies)
            tables = {"customers": Table("customers", rows=made)} | tables
        if "invoices" in given and mapping.column_for("invoices", "settled_date"):
            tables["payments"] = Table("payments", rows=_payments_of(given["invoices"], mapping, currencies))
        tables = {kind: tables[kind] for kind in KINDS if kind in tables}
        return run_import(tables, dry_run=dry_run, by=by, progress=progress)


def _refused_options(mapping: Mapping, given: dict) -> str:
    if mapping.create_customers and "customers" in given:
        return "customers are made from the invoices only when no customers file is given; leave one out"
    if mapping.create_customers and "invoices" not in given:
        return "customers are made from the invoices: give the invoices file"
    if mapping.column_for("invoices", "settled_date") and "payments" in given and "invoices" in given:
        return "settled dates make the payments: give either a payments file or a settled-date column"
    return ""


def _invoice_rows(source: Source, mapping: Mapping, currencies: CustomerCurrencies) -> Iterator[tuple[int, dict]]:
    """The invoices file read once more (its own problems are reported by the invoices table)."""
    scratch = Table("invoices")
    for number, values, _cells in mapped_rows("invoices", source, scratch, mapping, currencies):
        yield number, values


def _customers_of(source: Source, mapping: Mapping, currencies: CustomerCurrencies) -> Iterator[tuple[int, dict]]:
    """The invoices' new customers, read as the engine asks (before the invoices: their currency is
    then known to rows that take the customer's)."""
    existing = set(Customer.objects.values_list("external_id", flat=True))
    currency = mapping.default_currency if mapping.default_currency not in ("", CUSTOMER_CURRENCY) else ""
    for number, values in _invoice_rows(source, mapping, currencies):
        try:
            customer_id = text(values.get("customer_id"), "customer_id", required=True)
        except BadCell:
            continue  # the invoice's row says why
        if customer_id in existing:
            continue
        existing.add(customer_id)
        name = values.get("customer_name")
        name = name.strip() if name.__class__ is str else ""
        made_in = currencies.seen[customer_id] = currency or settings.BASE_CURRENCY
        yield number, {"customer_id": customer_id, "name": name or customer_id, "currency": made_in}


def _payments_of(source: Source, mapping: Mapping, currencies: CustomerCurrencies) -> Iterator[tuple[int, dict]]:
    for number, values in _invoice_rows(source, mapping, currencies):
        settled = values.get("settled_date")
        if settled in ("", None):
            continue
        if parse_cells("invoices", number, values, []) is None:
            continue  # the invoice's row says why
        invoice_id = values["invoice_id"].strip()
        yield number, {"payment_id": f"{SETTLED_PREFIX}{invoice_id}", "customer_id": values["customer_id"],
                       "received_date": settled, "amount": values["amount"], "currency": values["currency"],
                       "invoice_id": invoice_id}


@dataclass
class PreviewFile:
    kind: str
    file_name: str
    detected: str = ""
    columns: list = field(default_factory=list)  # [(our column, their column or "" for a default)]
    ignored: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # [(row number, [(value shown, problem)])]
    issues: list = field(default_factory=list)  # problems with the file as a whole
    problems: int = 0  # cells with a problem among the rows shown


def preview(files: dict, mapping: Mapping, limit: int = PREVIEW_ROWS) -> list[PreviewFile]:
    """The first `limit` rows of each file as the import will read them, each cell's problem beside it
    (problems that need other rows or the ledger — an unknown customer, a duplicate — show on import)."""
    currencies, shown = CustomerCurrencies(), []
    for kind in (kind for kind in KINDS if kind in files):
        table, result = Table(kind), PreviewFile(kind, FILE_NAMES[kind])
        rows = mapped_rows(kind, files[kind], table, mapping, currencies)
        for number, values, _cells in rows:
            if not result.columns:
                result.columns = _columns_shown(table, values)
            issues: list[ImportIssue] = []
            parse_cells(kind, number, values, issues)
            problems = {issue.column: issue.reason for issue in issues}
            problems |= {column: value.reason for column, value in values.items() if isinstance(value, BadValue)
                         and column not in problems}
            result.problems += len(problems)
            result.rows.append((number, [(_shown(values.get(column)), problems.get(column, ""))
                                         for column, _source in result.columns]))
            if len(result.rows) >= limit:
                break
        rows.close()
        result.detected = table.detected.describe() if table.detected else ""
        result.ignored = table.plan.ignored if table.plan else []
        result.issues = [str(issue) for issue in table.issues]
        shown.append(result)
    return shown


def _columns_shown(table: Table, values: dict) -> list[tuple[str, str]]:
    source = table.plan.source if table.plan else {}
    return [(column, source.get(column, "")) for column in values]


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)
