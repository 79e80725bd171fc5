"""Every invoice keeps the keys the cash application looks a payer's reference up by
(`ledger.numbers`): its number's digits and its PO compacted, whoever wrote the row."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from cashapp.matching.references import transpositions
from ledger import services
from ledger.imports.engine import import_files
from ledger.models import UNKEYED, Invoice
from ledger.numbers import (
    compact,
    number_columns,
    number_even_pairs,
    number_key,
    number_odd_pairs,
    pairs_sorted,
    po_key,
)
from tests.factories import CustomerFactory, InvoiceFactory
from tests.ledger.test_import_rules import csv_of, invoice

pytestmark = pytest.mark.django_db


def keys(external_id: str) -> tuple:
    return Invoice.objects.filter(external_id=external_id).values_list("number_key", "po_key").get()


@pytest.mark.parametrize(("number", "key"), [("INV0012345", "12345"), ("inv 0012-345", "12345"),
                                             ("INVOO12345", "12345"), ("2026/00417", "202600417"),
                                             ("ABC", ""), ("", "")])
def test_an_invoice_number_is_keyed_by_its_digits_without_prefix_or_leading_zeros(number, key):
    assert number_key(number) == key


def test_two_neighbouring_digits_swapped_anywhere_keep_one_of_the_two_pair_keys():
    for number in ("INV0123456", "INV0519438", "INV0010203", "2026/00417", "INV0000012"):
        key = number_key(number)
        for swapped in transpositions(key):
            assert (pairs_sorted(swapped, 0) == number_even_pairs(number)
                    or pairs_sorted(swapped, 1) == number_odd_pairs(number)), (number, swapped)
    assert (number_even_pairs("INV0214365"), number_odd_pairs("INV0132546"), number_odd_pairs("7")) == (
        "123456", "123456", "7")
    assert number_columns("ABC") == {"number_key": None, "number_even_pairs": None, "number_odd_pairs": None}


def test_a_po_number_is_keyed_compacted():
    assert (po_key("PO-778812"), po_key("po 778812"), po_key(""), compact("Ré-1/2")) == ("PO778812",) * 2 + ("", "R12")


def test_the_ledger_service_and_a_charge_key_the_invoices_they_issue():
    customer, today = CustomerFactory(), timezone.localdate()
    issued = services.invoice_issue(customer=customer, external_id="INV-0042117", issue_date=today - timedelta(days=40),
                                    due_date=today - timedelta(days=10), amount="300.00", currency="USD",
                                    po_number="po 5512")
    fee = services.charge_issue(source=issued, kind=Invoice.DocumentType.LATE_FEE, amount="15.00", on=today)

    assert keys("INV-0042117") == ("42117", "PO5512")
    assert keys(fee.external_id) == (number_key(fee.external_id), None)  # no PO: NULL, as COPY writes it


def test_every_writer_keeps_the_pair_keys_with_the_number_key():
    """The ledger's service, create and bulk_create (`KeyField`) and the ERP import's COPY rows."""
    customer, today = CustomerFactory(external_id="C1"), timezone.localdate()
    services.invoice_issue(customer=customer, external_id="INV-0042117", issue_date=today - timedelta(days=40),
                           due_date=today - timedelta(days=10), amount="300.00", currency="USD")
    InvoiceFactory(external_id="INV0000777")
    Invoice.objects.bulk_create([Invoice(external_id="B-00321", customer=customer, issue_date=today, due_date=today,
                                         amount=Decimal("10.00"), open_amount=Decimal("10.00"), currency="USD")])
    row = {"cid": "C1", "issued": f"{today - timedelta(days=20):%Y-%m-%d}", "due": f"{today:%Y-%m-%d}"}
    assert import_files(invoices=csv_of("invoices", invoice("ERP-0098765", **row))).ok

    written = Invoice.objects.values_list("external_id", "number_key", "number_even_pairs", "number_odd_pairs")
    assert sorted(written) == sorted((number, *number_columns(number).values()) for number in (
        "INV-0042117", "INV0000777", "B-00321", "ERP-0098765"))
    assert dict((n, (e, o)) for n, _, e, o in written)["ERP-0098765"] == ("89675", "97856")
    assert not Invoice.objects.filter(UNKEYED).exists()


def test_rows_written_with_create_save_and_bulk_create_are_keyed():
    InvoiceFactory(external_id="INV0000777", po_number="PO-1")
    customer = CustomerFactory()
    Invoice.objects.bulk_create([Invoice(external_id=f"B-{n:05d}", customer=customer, issue_date=timezone.localdate(),
                                         due_date=timezone.localdate(), amount=Decimal("10.00"),
                                         open_amount=Decimal("10.00"), currency="USD") for n in range(3)])
    moved = Invoice.objects.get(external_id="INV0000777")
    moved.po_number = "PO-2"
    moved.save()

    assert keys("INV0000777") == ("777", "PO2")
    assert [keys(f"B-{n:05d}") for n in range(3)] == [(None, None), ("1", None), ("2", None)]  # "00000": no key
    assert list(Invoice.objects.filter(UNKEYED).values_list("external_id", flat=True)) == ["B-00000"]


def test_the_erp_import_keys_new_invoices_and_a_changed_po():
    """COPY on PostgreSQL (`ledger.imports.bulk`): the keys are written by the import itself."""
    CustomerFactory(external_id="C1")
    issued, due = timezone.localdate() - timedelta(days=20), timezone.localdate() + timedelta(days=10)
    row = {"cid": "C1", "issued": f"{issued:%Y-%m-%d}", "due": f"{due:%Y-%m-%d}"}
    assert import_files(invoices=csv_of("invoices", invoice("ERP-0098", po="PO-77", **row),
                                        invoice("ERP-0099", **row))).ok
    assert (keys("ERP-0098"), keys("ERP-0099")) == (("98", "PO77"), ("99", None))

    assert import_files(invoices=csv_of("invoices", invoice("ERP-0098", po="PO 78-1", **row),
                                        invoice("ERP-0099", po="X9", **row))).ok
    assert (keys("ERP-0098"), keys("ERP-0099")) == (("98", "PO781"), ("99", "X9"))


def test_the_migration_keys_the_invoices_written_before_it():
    for n in range(5):
        InvoiceFactory(external_id=f"OLD{n:07d}", po_number=f"PO-{n}" if n % 2 else "")
    Invoice.objects.update(number_key=None, po_key=None)
    assert Invoice.objects.filter(UNKEYED).count() == 5

    migration = importlib.import_module("ledger.migrations.0008_invoice_reference_keys")
    migration.invoices_key(apps, connection.schema_editor())

    assert sorted(Invoice.objects.values_list("external_id", "number_key", "po_key")) == [
        (f"OLD{n:07d}", str(n) if n else None, f"PO{n}" if n % 2 else None) for n in range(5)]


def test_the_pair_keys_migration_keys_the_invoices_written_before_it():
    for n in (0, 7, 12345, 210987):
        InvoiceFactory(external_id=f"OLD{n:07d}")
    Invoice.objects.update(number_even_pairs=None, number_odd_pairs=None)
    assert Invoice.objects.filter(UNKEYED).count() == 4

    migration = importlib.import_module("ledger.migrations.0011_invoice_pair_keys")
    migration.invoices_key(apps, connection.schema_editor())

    keyed = Invoice.objects.values_list("external_id", "number_key", "number_even_pairs", "number_odd_pairs")
    assert sorted(keyed) == [
        ("OLD0000000", None, None, None), ("OLD0000007", "7", "7", "7"), ("OLD0012345", "12345", "12345", "12345"),
        ("OLD0210987", "210987", "120978", "201897")]
    assert list(Invoice.objects.filter(UNKEYED).values_list("external_id", flat=True)) == ["OLD0000000"]
