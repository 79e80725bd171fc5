"""Autopay in the admin: for looking. Mandates and charges change through autopay.services only
(the portal, the workspace and the daily pass), so the admin shows them read-only."""

from django.contrib import admin

from autopay.models import AutopayCharge, Mandate


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Mandate)
class MandateAdmin(ReadOnly):
    list_display = ["pk", "customer", "status", "method", "charge_on", "created_at", "activated_at", "cancelled_at"]
    list_filter = ["status", "kind", "created_via"]
    search_fields = ["customer__name", "customer__external_id"]
    list_select_related = ["customer", "method"]


@admin.register(AutopayCharge)
class AutopayChargeAdmin(ReadOnly):
    list_display = ["key", "invoice", "charge_date", "amount", "currency", "status", "announced_at", "settled_at"]
    list_filter = ["status"]
    search_fields = ["key", "invoice__external_id", "mandate__customer__name"]
    list_select_related = ["invoice"]
    date_hierarchy = "charge_date"
