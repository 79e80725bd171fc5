"""Planner statistics after bulk loads.

A freshly bulk-loaded table has no statistics until autovacuum gets to it; until then PostgreSQL
plans correlated subqueries over hundreds of thousands of rows as if the tables were empty (a report
that takes a second can take many minutes). The bulk writers refresh them right away.
"""

from django.db import connection


def refresh_planner_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
