"""A filter on many ids as one array parameter (PostgreSQL) or a plain `__in` (elsewhere)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.arrays import any_of, none_of
from ledger.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_none_of_leaves_out_exactly_what_any_of_keeps():
    ids = [CustomerFactory().pk for _ in range(5)]
    picked = ids[1:4]
    everyone = Customer.objects.all()
    with CaptureQueriesContext(connection) as queries:
        kept = set(any_of(everyone, "id", picked).values_list("pk", flat=True))
        left = set(none_of(everyone, "id", picked).values_list("pk", flat=True))
    assert kept == set(picked) and left == set(ids) - set(picked)
    if connection.vendor == "postgresql":  # one array parameter, not one per id
        assert all("= ANY(" in query["sql"] for query in queries)
