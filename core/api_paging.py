"""Keyset pagination for the API's feeds an ERP polls (`?after=<id>`): credit-hold events,
payments taken online or matched from the bank. The ERP keeps `next_after` and asks again with it,
so it sees every row once, in id order, even after a week of downtime."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class AfterIdPagination(BasePagination):
    """Keyset pagination on the primary key: `after` (the last id already seen, 0 to start) and
    `limit`. Stable under concurrent inserts, unlike page numbers."""

    def _int_param(self, request, name: str, default: int, low: int, high: int | None = None) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({name: "Must be a whole number."}) from None
        if value < low or (high is not None and value > high):
            raise ValidationError({name: f"Must be between {low} and {high}." if high else f"Must be ≥ {low}."})
        return value

    def paginate_queryset(self, queryset, request, view=None):
        self.after = self._int_param(request, "after", 0, 0)
        limit = self._int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        rows = list(queryset.filter(pk__gt=self.after).order_by("pk")[: limit + 1])
        self.has_more = len(rows) > limit
        rows = rows[:limit]
        self.next_after = rows[-1].pk if rows else self.after
        return rows

    def get_paginated_response(self, data):
        return Response({"next_after": self.next_after, "has_more": self.has_more, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next_after", "has_more", "results"],
            "properties": {
                "next_after": {"type": "integer", "description": "Pass it as `after` on the next call."},
                "has_more": {"type": "boolean", "description": "More rows wait: call again at once."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "after", "in": "query", "required": False, "description": "Rows with a larger id (0 to start).",
             "schema": {"type": "integer", "minimum": 0}},
            {"name": "limit", "in": "query", "required": False, "description": f"At most this many (≤ {MAX_LIMIT}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
        ]
