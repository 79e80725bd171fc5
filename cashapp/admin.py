from django.contrib import admin

from cashapp.models import CashMatch, PayerAccount, RemittanceAdvice
from core.records_admin import RecordAdmin


@admin.register(CashMatch)
class CashMatchAdmin(RecordAdmin):
    """Matches change through cashapp.services only (posting, undoing): shown, never edited."""

    list_display = ["line", "status", "customer", "confidence", "payment", "auto_applied_at", "undone_at"]
    list_filter = ["status"]
    search_fields = ["line__counterparty_name", "line__remittance_text", "customer__name", "payment__external_id"]
    list_select_related = ["line", "customer", "payment"]
    raw_id_fields = ["line", "customer", "payment"]


@admin.register(PayerAccount)
class PayerAccountAdmin(admin.ModelAdmin):
    """A wrong mapping can be corrected or removed here; confirming a receipt teaches a new one."""

    list_display = ["counterparty_account", "customer", "source", "confirmed_by", "confirmed_at"]
    list_filter = ["source"]
    search_fields = ["counterparty_account", "customer__name"]
    list_select_related = ["customer", "confirmed_by"]
    raw_id_fields = ["customer", "confirmed_by"]


@admin.register(RemittanceAdvice)
class RemittanceAdviceAdmin(RecordAdmin):
    list_display = ["filename", "line", "customer", "created_by", "created_at"]
    search_fields = ["filename", "text"]
    raw_id_fields = ["line", "customer"]
    exclude = ["content"]  # the file's bytes: its text is shown

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "content"]
