"""Statements go per family top, covering every level below it, or per account at
`STATEMENT_FAMILY_LEVEL` (the three-level book of tests/ledger/test_hierarchy.py: Globex 2,100.00
open over six accounts, of which North 900.00 with Oslo and Bergen, South 1,100.00 with Madrid)."""

from decimal import Decimal

import pytest

from ledger.models import Customer
from reminders.statements import statement_customers, statement_data
from tests.ledger.test_hierarchy import AS_OF, globex_book

pytestmark = pytest.mark.django_db


def listed(data) -> list[str]:
    return sorted(i.external_id for i in data.invoices)


def test_a_statement_per_family_top_covers_every_level(django_assert_num_queries):
    book = globex_book()
    assert set(statement_customers().values_list("external_id", flat=True)) == {"G", "L"}
    group = Customer.objects.get(pk=book["G"].pk)
    with django_assert_num_queries(3):
        data = statement_data(group, AS_OF)
    assert listed(data) == ["INV-G", "INV-R1", "INV-R2", "INV-S1", "INV-S2", "INV-S3"]
    assert data.total_open == Decimal("2100.00")
    # A statement asked for a region by hand lists the region and its sites.
    north = statement_data(book["R1"], AS_OF)
    assert listed(north) == ["INV-R1", "INV-S1", "INV-S2"] and north.total_open == Decimal("900.00")


def test_statements_per_chosen_level(settings):
    settings.STATEMENT_FAMILY_LEVEL = 1
    book = globex_book()
    assert set(statement_customers().values_list("external_id", flat=True)) == {"G", "R1", "R2", "L"}
    group = statement_data(book["G"], AS_OF)  # above the level: its own items only
    assert listed(group) == ["INV-G"] and group.total_open == Decimal("100.00")
    south = statement_data(book["R2"], AS_OF)
    assert listed(south) == ["INV-R2", "INV-S3"] and south.total_open == Decimal("1100.00")
    settings.STATEMENT_FAMILY_LEVEL = 2
    assert set(statement_customers().values_list("external_id", flat=True)) == set(book)


def test_a_closed_top_gets_no_statement():
    book = globex_book()
    Customer.objects.filter(pk=book["G"].pk).update(status=Customer.Status.CLOSED)
    assert set(statement_customers().values_list("external_id", flat=True)) == {"L"}
