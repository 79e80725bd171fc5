"""`ledger.imports.bulk`: the ids of rows inserted with COPY come from the table's own sequence,
in one statement however many inserts the process made before (a caller's query count must not
depend on which test, request or task ran first)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger.imports.bulk import insert_rows
from ledger.models import LedgerTouch

pytestmark = pytest.mark.django_db


def _statements_to_insert(rows: int) -> tuple[list[int], list[str]]:
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as captured:
        pks = insert_rows(LedgerTouch, [{"since": today - timedelta(days=n)} for n in range(rows)])
    return pks, [query["sql"] for query in captured.captured_queries]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and sequences: PostgreSQL")
def test_the_first_copy_of_a_table_in_a_process_costs_what_every_later_one_costs():
    first_ids, first = _statements_to_insert(30)
    later_ids, later = _statements_to_insert(5)

    assert len(first) == len(later) == 2  # the ids (the sequence looked up in the same statement), the COPY
    assert all("pg_get_serial_sequence" in sql for sql in (first[0], later[0]))
    assert min(later_ids) > max(first_ids) and len(set(first_ids)) == 30
    assert sorted(LedgerTouch.objects.values_list("pk", flat=True)) == sorted(first_ids + later_ids)


def test_rows_inserted_in_bulk_take_new_ids_in_order():
    ids, _ = _statements_to_insert(3)

    assert ids == sorted(ids) and list(LedgerTouch.objects.filter(pk__in=ids).order_by("pk").values_list(
        "since", flat=True)) == [timezone.localdate() - timedelta(days=n) for n in range(3)]
