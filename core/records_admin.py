"""The admin of records that only services write."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest


class RecordAdmin(admin.ModelAdmin):
    """Rows that change through services only (ledger rows, plans, hold events): the admin shows them,
    never adds, edits or deletes them."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str] | tuple[str, ...]:
        if obj is None:
            return ()
        return [field.name for field in self.model._meta.fields]
