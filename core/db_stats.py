"""Planner statistics after bulk loads and bulk rewrites.

A freshly bulk-loaded table has no statistics until autovacuum gets to it (and a server run without
autovacuum never does); until then PostgreSQL plans correlated subqueries over hundreds of thousands
of rows as if the tables were empty (a report that takes a second can take many minutes), and plans
this morning's queue as if yesterday's were all there is. The bulk writers refresh them right away.
"""

from django.db import connection
from django.db.models import Model


def refresh_planner_statistics(*models: type[Model]) -> None:
    """ANALYZE the tables of `models`, or the whole database when none is given."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if not models:
            cursor.execute("ANALYZE")
        for model in models:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
