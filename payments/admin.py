from django.contrib import admin

from core.records_admin import RecordAdmin
from payments.models import CustomerPaymentSettings, PaymentRequest, PaymentRequestLine, SavedMethod, WebhookEvent


class LineInline(admin.TabularInline):
    model = PaymentRequestLine
    extra = 0
    can_delete = False
    readonly_fields = ["invoice", "amount"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PaymentRequest)
class PaymentRequestAdmin(RecordAdmin):
    list_display = ["pk", "customer", "kind", "provider", "amount", "currency", "status", "origin", "created_at"]
    list_filter = ["status", "kind", "provider", "origin"]
    search_fields = ["key", "provider_ref", "payment_intent_ref", "customer__name", "customer__external_id"]
    list_select_related = ["customer"]
    inlines = [LineInline]


@admin.register(WebhookEvent)
class WebhookEventAdmin(RecordAdmin):
    list_display = ["received_at", "provider", "type", "event_id", "outcome", "request"]
    list_filter = ["outcome", "provider", "type"]
    search_fields = ["event_id", "detail"]


@admin.register(SavedMethod)
class SavedMethodAdmin(RecordAdmin):
    list_display = ["label", "customer", "provider", "kind", "status", "created_at"]
    list_filter = ["status", "kind", "provider"]
    search_fields = ["customer__name", "provider_method_ref"]


@admin.register(CustomerPaymentSettings)
class CustomerPaymentSettingsAdmin(admin.ModelAdmin):
    """Per-customer online payment options (cards off above an amount, a card surcharge, methods offered)."""

    list_display = ["customer", "card_max_amount", "card_surcharge_percent", "methods_allowed"]
    raw_id_fields = ["customer"]
    search_fields = ["customer__name", "customer__external_id"]
