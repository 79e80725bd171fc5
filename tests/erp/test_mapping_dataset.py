"""The public AR data set's shape (US dates, no currency, no customers file, settled dates) imports
with flags only, and its aging is the aging of the same data converted by hand to our own files."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from ledger.imports.engine import import_files
from ledger.models import Customer, Invoice, Payment
from reporting.aging import aging
from tests.fixtures.erp.ar_dataset import SAMPLE, ar_rows, write_ar_dataset
from tests.ledger.test_import_rules import csv_of

pytestmark = pytest.mark.django_db

FLAGS = ["--date-format", "mdy", "--default-currency", "USD", "--create-customers",
         "--map", "invoice_id=invoiceNumber", "--map", "customer_id=customerID", "--map", "issue_date=InvoiceDate",
         "--map", "due_date=DueDate", "--map", "amount=InvoiceAmount", "--map", "settled_date=SettledDate"]
AS_OF = (date(2013, 3, 31), date(2013, 6, 30), date(2013, 12, 31))


def us_date(text: str) -> str:
    return datetime.strptime(text, "%m/%d/%Y").date().isoformat()


def by_hand(rows: list[list[str]]) -> dict[str, bytes]:
    """The data set converted to our own files the way a person would: ISO dates, USD, one customer
    per id, a payment per settled invoice."""
    customers, invoices, payments = {}, [], []
    for _country, cid, _paperless, number, issued, due, amount, _disputed, settled, *_rest in rows:
        customers.setdefault(cid, (cid, cid, "", "", "", "30", "0", "USD", "", ""))
        invoices.append((number, cid, us_date(issued), us_date(due), amount, "USD", ""))
        if settled:
            payments.append((f"PAY{number}", cid, us_date(settled), amount, "USD", number))
    return {"customers": csv_of("customers", *customers.values()), "invoices": csv_of("invoices", *invoices),
            "payments": csv_of("payments", *payments)}


def agings() -> list:
    reports = [aging(as_of=day, group_by="customer") for day in AS_OF]
    return [(r.total, r.buckets, r.unapplied_cash, [(line.label, line.buckets, line.total) for line in r.rows])
            for r in reports]


def test_the_stored_sample_is_the_generators():
    assert list(csv.reader(io.StringIO(SAMPLE.read_text())))[1:] == ar_rows()


def test_raw_data_set_imports_with_flags_and_ages_like_the_hand_conversion(tmp_path, ledger_balances):
    path = write_ar_dataset(tmp_path / "WA_Fn-UseC_-Accounts-Receivable.csv")
    rows = ar_rows()
    with transaction.atomic():
        result = import_files(**by_hand(rows))
        assert result.ok, result.errors[:5]
        expected = agings()
        transaction.set_rollback(True)
    assert not Invoice.objects.exists()
    out = io.StringIO()
    call_command("import_ar", "--invoices", str(path), *FLAGS, stdout=out)
    text = out.getvalue()
    assert "CSV, utf-8 (detected), ',' (detected)" in text and "dates M/D/YYYY" in text
    settled = sum(1 for row in rows if row[8])
    assert f"customers.csv: {len({row[1] for row in rows})} created" in text
    assert f"invoices.csv: {len(rows)} created" in text and f"payments.csv: {settled} created" in text
    assert 0 < settled < len(rows)
    assert agings() == expected
    assert expected[1][0] > 0  # something is open in the middle of the data
    ledger_balances()
    assert Customer.objects.get(external_id=rows[0][1]).currency == "USD"
    paid = Payment.objects.get(external_id=f"SETTLED-{rows[0][3]}")
    assert paid.amount == Decimal(rows[0][6]) and paid.received_date.isoformat() == us_date(rows[0][8])
    again = io.StringIO()
    call_command("import_ar", "--invoices", str(path), *FLAGS, stdout=again)  # idempotent
    assert f"invoices.csv: 0 created, 0 updated, {len(rows)} unchanged" in again.getvalue()
    assert "customers.csv: 0 created, 0 updated, 0 unchanged" in again.getvalue()  # they exist: none made


def test_without_the_flags_the_raw_file_is_refused_with_every_reason(tmp_path):
    path = write_ar_dataset(tmp_path / "ar.csv", rows=10)
    with pytest.raises(CommandError, match="problem"):
        call_command("import_ar", "--invoices", str(path), stderr=(err := io.StringIO()))
    assert "missing column" in err.getvalue() and "unexpected column" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("import_ar", "--invoices", str(path), *FLAGS[2:], stderr=(err := io.StringIO()))
    # US dates read as ISO: every date cell is named; no customers file and none made: unknown customers
    assert "is not a date in the form YYYY-MM-DD" in err.getvalue()
    assert not Invoice.objects.exists()
