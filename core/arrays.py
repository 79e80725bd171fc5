"""A filter on thousands of values as one array parameter.

On PostgreSQL `column = ANY(%s)` with a list binds one array, which the planner reads through an
index as it would an `IN`; an `IN ()` of thousands of values costs Django more to build and bind than
the query takes to run. Elsewhere (SQLite) a plain `__in`.
"""

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL


def any_of(qs: QuerySet, column: str, values: list) -> QuerySet:
    """`qs` narrowed to the rows of its model whose database `column` is one of `values`."""
    if connection.vendor != "postgresql":
        return qs.filter(**{f"{_attname(qs, column)}__in": values})
    qn = connection.ops.quote_name
    return qs.filter(RawSQL(f"{qn(qs.model._meta.db_table)}.{qn(column)} = ANY(%s)", [list(values)],
                            output_field=BooleanField()))


def none_of(qs: QuerySet, column: str, values: list) -> QuerySet:
    """`qs` without the rows of its model whose database `column` is one of `values` (`any_of`'s
    complement: `NOT (column = ANY(%s))`, or a plain `__in` excluded)."""
    if connection.vendor != "postgresql":
        return qs.exclude(**{f"{_attname(qs, column)}__in": values})
    qn = connection.ops.quote_name
    return qs.exclude(RawSQL(f"{qn(qs.model._meta.db_table)}.{qn(column)} = ANY(%s)", [list(values)],
                             output_field=BooleanField()))


def _attname(qs: QuerySet, column: str) -> str:
    [name] = [field.attname for field in qs.model._meta.concrete_fields if field.column == column]
    return name
