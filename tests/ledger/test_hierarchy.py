"""Account families of any depth: the top and depth kept from the parent links, moves, the chain,
the subtree, the ancestor at a level, and cycles refused with the chain named.

`globex_book` is the three-level book the family tests share (reports, portal, statements, credit):

    Globex Group (G, top)          100.00  due 2026-12-10   current on 2026-11-30
    ├── Globex North (R1)          200.00  due 2026-11-20   10 days late   (1–30)
    │   ├── Globex Oslo (S1)       300.00  due 2026-10-15   46 days late   (31–60)
    │   └── Globex Bergen (S2)     400.00  due 2026-12-15   current
    └── Globex South (R2)          500.00  due 2026-08-01   121 days late  (91+)
        └── Globex Madrid (S3)     600.00  due 2026-09-15   76 days late   (61–90)
    Lone Co (L, alone)              50.00  due 2026-12-05   current
"""

from datetime import date, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.forms import modelform_factory

from ledger.admin import CustomerForm
from ledger.hierarchy import (
    at_level,
    chain,
    cycle_from,
    families_refresh,
    family_links,
    level_keys,
    parent_refused,
    subtree_ids,
)
from ledger.models import Customer
from ledger.services import invoice_issue
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 30)
BOOK = {  # code: (name, parent code, amount, due date)
    "G": ("Globex Group", None, "100.00", "2026-12-10"),
    "R1": ("Globex North", "G", "200.00", "2026-11-20"),
    "S1": ("Globex Oslo", "R1", "300.00", "2026-10-15"),
    "S2": ("Globex Bergen", "R1", "400.00", "2026-12-15"),
    "R2": ("Globex South", "G", "500.00", "2026-08-01"),
    "S3": ("Globex Madrid", "R2", "600.00", "2026-09-15"),
    "L": ("Lone Co", None, "50.00", "2026-12-05"),
}


def globex_book(**customer_fields) -> dict[str, Customer]:
    """The book above, saved parent first, each account with its one invoice issued 30 days before due."""
    made: dict[str, Customer] = {}
    for code, (name, parent, amount, due) in BOOK.items():
        made[code] = CustomerFactory(external_id=code, name=name, parent=made.get(parent), **customer_fields)
        due_on = date.fromisoformat(due)
        invoice_issue(customer=made[code], external_id=f"INV-{code}", issue_date=due_on - timedelta(days=30),
                      due_date=due_on, amount=Decimal(amount), currency="USD")
    return made


def tops_and_depths() -> dict[str, tuple[str | None, int]]:
    return {c.external_id: (c.family_top.external_id if c.family_top else None, c.depth)
            for c in Customer.objects.select_related("family_top")}


EXPECTED = {"G": (None, 0), "R1": ("G", 1), "S1": ("G", 2), "S2": ("G", 2), "R2": ("G", 1), "S3": ("G", 2),
            "L": (None, 0)}


def test_saving_keeps_the_top_and_the_depth():
    globex_book()
    assert tops_and_depths() == EXPECTED


def test_a_move_takes_the_subtree_along():
    book = globex_book()
    south = Customer.objects.get(pk=book["R2"].pk)
    south.parent = book["S1"]  # South (with Madrid) now under Oslo: four levels
    south.save()
    assert tops_and_depths() == EXPECTED | {"R2": ("G", 3), "S3": ("G", 4)}
    north = Customer.objects.get(pk=book["R1"].pk)
    north.parent = None  # North leaves the group and takes Oslo, Bergen, South and Madrid with it
    north.save(update_fields=["parent"])
    assert tops_and_depths() == {"G": (None, 0), "R1": (None, 0), "S1": ("R1", 1), "S2": ("R1", 1),
                                 "R2": ("R1", 2), "S3": ("R1", 3), "L": (None, 0)}


def test_a_save_that_keeps_the_parent_asks_nothing_more(django_assert_num_queries):
    book = globex_book()
    site = Customer.objects.get(pk=book["S3"].pk)
    site.name = "Globex Madrid SL"
    with django_assert_num_queries(1):  # the UPDATE: no look-up of the parent
        site.save()


def test_chain_subtree_and_level_ancestors(django_assert_num_queries):
    book = globex_book()
    madrid = Customer.objects.get(pk=book["S3"].pk)
    with django_assert_num_queries(1):
        assert [c.external_id for c in chain(madrid)] == ["G", "R2", "S3"]
    assert [c.external_id for c in chain(book["G"])] == ["G"]
    pks = {c.pk: code for code, c in book.items()}
    assert [pks[pk] for pk in subtree_ids(book["R1"])] == ["R1", "S1", "S2"]
    assert sorted(pks[pk] for pk in subtree_ids(book["G"])) == ["G", "R1", "R2", "S1", "S2", "S3"]
    assert [pks[pk] for pk in subtree_ids(book["S1"])] == ["S1"]
    everyone = [c.pk for c in book.values()]
    tops = {pks[pk]: pks[key] for pk, key in level_keys(everyone, None).items()}
    assert tops == {"G": "G", "R1": "G", "S1": "G", "S2": "G", "R2": "G", "S3": "G", "L": "L"}
    regions = {pks[pk]: pks[key] for pk, key in level_keys(everyone, 1).items()}
    assert regions == {"G": "G", "R1": "R1", "S1": "R1", "S2": "R1", "R2": "R2", "S3": "R2", "L": "L"}
    sites = {pks[pk]: pks[key] for pk, key in level_keys(everyone, 2).items()}
    assert sites == {code: code for code in book}
    assert at_level(family_links([book["G"].pk]), 0) == {c.pk: book["G"].pk for code, c in book.items() if code != "L"}


def test_a_cycle_is_refused_with_the_chain_named():
    book = globex_book()
    group = Customer.objects.get(pk=book["G"].pk)
    assert parent_refused(group, book["S1"]) == "a cycle: G → S1 → R1 → G"
    assert parent_refused(book["R1"], book["R1"]) == "R1 cannot be its own parent"
    assert parent_refused(book["S3"], book["S1"]) is None  # a move across the family is fine
    assert parent_refused(book["L"], book["S1"]) is None
    form = modelform_factory(Customer, form=CustomerForm, fields=["parent"])(instance=group,
                                                                             data={"parent": book["S1"].pk})
    assert not form.is_valid()
    assert form.errors["parent"] == ["This parent is refused: a cycle: G → S1 → R1 → G."]


def test_cycle_from_follows_links_and_stops_at_a_top_or_a_loop_above():
    links = {"A": "B", "B": "C", "C": "A", "D": "A", "E": ""}
    assert cycle_from("A", links.get) == ["A", "B", "C", "A"]
    assert cycle_from("D", links.get) is None  # D leads into a loop it is not on
    assert cycle_from("E", links.get) is None


def test_families_refresh_mends_rows_written_in_bulk_and_the_migration_fills_them():
    book = globex_book()
    Customer.objects.update(family_top=None, depth=0)  # as a bulk write (or the book before 0007) leaves them
    assert families_refresh([book["S3"].pk]) == 5  # G's family: R1, S1, S2, R2, S3
    assert tops_and_depths() == EXPECTED
    assert families_refresh() == 0
    Customer.objects.update(family_top=None, depth=0)
    import_module("ledger.migrations.0007_family_hierarchy").families_fill(apps, None)
    assert tops_and_depths() == EXPECTED


def test_a_top_is_still_its_own_family_head_and_a_site_has_the_top():
    book = globex_book()
    site = Customer.objects.get(pk=book["S1"].pk)
    assert site.family_head == book["G"] and site.family_top_pk == book["G"].pk
    assert book["G"].family_head == book["G"] and book["L"].family_top_pk == book["L"].pk
