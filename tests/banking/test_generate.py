from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from banking.generate import MIX, RECEIPTS, iban_make, lines_plan, payer_iban, statement_generate
from banking.ingest import statement_import
from banking.models import BankLine
from banking.parsers import camt_schema
from banking.parsers.camt import camt_parse
from banking.parsers.mt940 import mt940_parse
from banking.parsers.records import is_iban
from ledger.models import Invoice
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 30)


@pytest.fixture
def book():
    customers = CustomerFactory.create_batch(8, currency="EUR")
    for index, customer in enumerate(customers):
        InvoiceFactory.create_batch(6, customer=customer, currency="EUR", amount=Decimal(500 + 37 * index))
    return customers


def test_made_up_ibans_pass_the_check_digits():
    assert iban_make("DE", "37040044", "0532013000") == "DE89370400440532013000"  # the textbook example
    assert is_iban(payer_iban(17)) and is_iban(payer_iban(17, variant=3))
    assert payer_iban(17) != payer_iban(17, variant=3)


def test_truth_matches_the_open_invoices_paid(book):
    lines = lines_plan(book, 60, MIX, seed=5, on=ON, days=5)
    invoices = {i.pk: i for i in Invoice.objects.all()}
    paid = Counter()
    for line in lines:
        if line.scenario in ("charge", "supplier_debit"):
            assert line.direction == "debit" and not line.invoices
            continue
        assert line.direction == "credit"
        if line.scenario == "stranger":
            assert line.customer_id is None and not line.invoices
            continue
        assert line.amount == sum(line.invoices.values())
        for invoice_id, amount in line.invoices.items():
            assert invoices[invoice_id].customer_id == line.customer_id
            assert Decimal("0") < amount <= invoices[invoice_id].open_amount
            paid[invoice_id] += 1
        if line.scenario == "short_pay":
            assert line.amount < sum(invoices[i].open_amount for i in line.invoices)
        if line.scenario == "multi_invoice":
            assert len(line.invoices) >= 2
    assert paid and max(paid.values()) == 1  # no invoice is paid twice
    assert {line.scenario for line in lines} >= {"clean", "multi_invoice", "charge", "supplier_debit"}


def test_typos_keep_the_invoice_recognisable_but_not_verbatim(book):
    lines = lines_plan(book, 80, {"typo_prefix": 1, "typo_transposed": 1, "typo_spaces": 1}, seed=2, on=ON, days=1)
    numbers = {i.pk: i.external_id for i in Invoice.objects.all()}
    for line in lines:
        (invoice_id,) = line.invoices
        assert numbers[invoice_id] not in line.text
        digits = numbers[invoice_id].removeprefix("INV")
        if line.scenario == "typo_transposed" and line.text.startswith("INV"):
            assert sorted(line.text.removeprefix("INV")) == sorted(digits)
        else:
            assert digits.lstrip("0") in line.text.replace(" ", "")


@pytest.mark.parametrize(("fmt", "parse"), [("camt053", camt_parse), ("mt940", mt940_parse)])
def test_generated_files_read_back_with_every_receipt_in_the_truth(book, fmt, parse):
    planned = {line.reference: line for line in lines_plan(book, 50, MIX, seed=9, on=ON, days=3)}
    data, truth = statement_generate(book, n_lines=50, seed=9, format=fmt, on=ON, days=3)
    lines = {line.entry_reference: line for s in parse(data) for line in s.lines}
    assert set(lines) == set(planned) and len(lines) > 40  # a small book cannot pay every multi-invoice line
    assert set(truth) <= set(lines)
    for reference, line in lines.items():
        assert (line.amount, line.direction) == (planned[reference].amount, planned[reference].direction)
        assert line.counterparty_name == planned[reference].name
        assert line.remittance_text == planned[reference].text
    for reference, (customer_id, invoices) in truth.items():
        assert customer_id is None or lines[reference].amount == sum(invoices.values(), Decimal(0))


def test_imported_generated_receipts_are_the_truths_keys(book):
    data, truth = statement_generate(book, n_lines=50, seed=9, on=ON, days=3)
    statement_import(data=data, filename="generated.xml")
    receipts = set(BankLine.objects.filter(kind=BankLine.Kind.RECEIPT).values_list("entry_reference", flat=True))
    assert receipts == set(truth)
    assert Counter(RECEIPTS) and BankLine.objects.filter(kind=BankLine.Kind.CHARGE).exists()


def test_generated_camt_is_valid_against_the_iso_schema(book):
    camt_schema.schema_for.cache_clear()
    if camt_schema.schema_for("camt.053.001.02") is None:
        pytest.skip("no ISO 20022 XSD on this machine (set BANK_CAMT_XSD_DIR or install camt053)")
    data, _ = statement_generate(book, n_lines=30, seed=1, on=ON, days=2)
    assert all(line.raw["schema_validated"] for s in camt_parse(data) for line in s.lines)
