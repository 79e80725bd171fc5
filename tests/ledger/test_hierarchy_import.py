"""A three-level family book imports (accounts before their parents in the file, too); cycles in the
file and against the book are refused with the chain named; cash applies anywhere in one family."""

from decimal import Decimal

import pytest

from ledger.imports.engine import import_files
from ledger.models import Customer, Invoice
from tests.ledger.test_hierarchy import EXPECTED, tops_and_depths
from tests.ledger.test_import_rules import cash, csv_of, customer, invoice, reasons, rejected

pytestmark = pytest.mark.django_db

# Sites first, the group last: every account is written before its parent and pointed at it after.
CUSTOMERS = [customer("S1", "Globex Oslo", parent="R1"), customer("S2", "Globex Bergen", parent="R1"),
             customer("S3", "Globex Madrid", parent="R2"), customer("R1", "Globex North", parent="G"),
             customer("R2", "Globex South", parent="G"), customer("G", "Globex Group"), customer("L", "Lone Co")]
INVOICES = [invoice("INV-S1", "S1", amount="300.00"), invoice("INV-S3", "S3", amount="600.00"),
            invoice("INV-L", "L", amount="50.00")]


def test_a_three_level_family_book_imports():
    result = import_files(customers=csv_of("customers", *CUSTOMERS), invoices=csv_of("invoices", *INVOICES))
    assert result.ok, result.errors
    assert tops_and_depths() == EXPECTED
    assert {c.external_id: c.parent.external_id for c in Customer.objects.filter(parent__isnull=False)
            .select_related("parent")} == {"S1": "R1", "S2": "R1", "S3": "R2", "R1": "G", "R2": "G"}


def test_cash_applies_within_the_whole_family_and_not_across_families():
    assert import_files(customers=csv_of("customers", *CUSTOMERS), invoices=csv_of("invoices", *INVOICES)).ok
    # The group pays Madrid's invoice (two levels below it); Oslo pays a part of Madrid's (a cousin).
    result = import_files(payments=csv_of("payments", cash("P1", "G", amount="600.00", iid="INV-S3"),
                                          cash("P2", "S1", amount="100.00", iid="INV-S1")))
    assert result.ok, result.errors
    assert Invoice.objects.get(external_id="INV-S3").open_amount == Decimal("0.00")
    assert Invoice.objects.get(external_id="INV-S1").open_amount == Decimal("200.00")
    result = import_files(payments=csv_of("payments", cash("P3", "L", amount="10.00", iid="INV-S1")))
    assert rejected(result) == [("payments", 2, "invoice_id")]
    assert "not to L or its account family" in reasons(result)


def test_a_cycle_inside_the_file_is_refused_with_its_chain():
    result = import_files(customers=csv_of("customers", customer("A", parent="C"), customer("B", parent="A"),
                                           customer("C", parent="B"), customer("D", parent="A")))
    # A, B and C are on the loop (each row names it from its own start); D only hangs below it.
    assert rejected(result) == [("customers", 2, "parent_id"), ("customers", 3, "parent_id"),
                                ("customers", 4, "parent_id")]
    assert reasons(result) == ("parent C makes a cycle: A → C → B → A | parent A makes a cycle: B → A → C → B | "
                               "parent B makes a cycle: C → B → A → C")
    assert not Customer.objects.exists()


def test_a_cycle_against_the_book_is_refused_with_its_chain():
    assert import_files(customers=csv_of("customers", *CUSTOMERS)).ok
    # G under Oslo: Oslo's chain in the book goes up to G again.
    result = import_files(customers=csv_of("customers", customer("G", "Globex Group", parent="S1")))
    assert rejected(result) == [("customers", 2, "parent_id")]
    assert reasons(result) == "parent S1 makes a cycle: G → S1 → R1 → G"
    # Moving North under Madrid is refused the same way only if the file does not also move Madrid.
    result = import_files(customers=csv_of("customers", customer("R1", "Globex North", parent="S3"),
                                           customer("S3", "Globex Madrid", parent="L")))
    assert result.ok, result.errors
    assert tops_and_depths() == {"G": (None, 0), "R2": ("G", 1), "L": (None, 0), "S3": ("L", 1), "R1": ("L", 2),
                                 "S1": ("L", 3), "S2": ("L", 3)}


def test_a_parent_must_be_in_the_file_or_the_book():
    result = import_files(customers=csv_of("customers", customer("S1", parent="R9")))
    assert rejected(result) == [("customers", 2, "parent_id")]
    assert "unknown parent R9" in reasons(result)
