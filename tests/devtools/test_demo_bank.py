from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from banking.ingest import statement_import
from banking.models import BankLine
from devtools.demo.bank import bank_statements_write
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def test_a_month_of_statements_in_camt053_and_mt940(tmp_path, ledger_balances):
    for customer in CustomerFactory.create_batch(10, currency="EUR"):
        InvoiceFactory.create_batch(5, customer=customer, currency="EUR", amount=Decimal("740.00"))
    paths = bank_statements_write(tmp_path, days=30, on=date(2026, 11, 30))
    assert [p.suffix for p in paths] == [".xml", ".sta"]
    assert paths[0].name.startswith("bank-202611") and paths[0].name.endswith(".camt053.xml")
    results = [statement_import(data=p.read_bytes(), filename=p.name) for p in paths]
    assert [r.file.format for r in results] == ["camt053", "mt940"]
    assert sum(r.lines_total for r in results) == 40  # the floor for a small book
    kinds = Counter(BankLine.objects.values_list("kind", flat=True))
    assert kinds[BankLine.Kind.RECEIPT] > 25 and kinds[BankLine.Kind.CHARGE] and kinds[BankLine.Kind.DEBIT]
    again = [statement_import(data=p.read_bytes(), filename=p.name) for p in paths]
    assert sum(len(r.new_lines) for r in again) == 0
    ledger_balances()


def test_a_book_without_open_invoices_gets_no_statement(tmp_path):
    assert bank_statements_write(tmp_path) == []
