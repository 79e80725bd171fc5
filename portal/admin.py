from django.contrib import admin, messages

from portal.models import PortalAccess, PortalFeedback, PortalRequest
from portal.services import portal_access_revoke


@admin.register(PortalAccess)
class PortalAccessAdmin(admin.ModelAdmin):
    list_display = ["customer", "version", "last_visit_at", "revoked_at", "revoked_by", "revoke_reason"]
    search_fields = ["customer__name", "customer__external_id"]
    readonly_fields = ["customer", "version", "last_visit_at", "revoked_at", "revoked_by", "revoke_reason"]
    actions = ["revoke_links"]

    @admin.action(description="Revoke every portal link sent so far")
    def revoke_links(self, request, queryset):
        for access in queryset.select_related("customer"):
            portal_access_revoke(customer=access.customer, by=request.user, reason="Revoked in the admin")
        self.message_user(request, f"Revoked the links of {queryset.count()} customers.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(PortalRequest)
class PortalRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "customer", "kind", "status", "email", "amount"]
    list_filter = ["kind", "status"]
    search_fields = ["customer__name", "customer__external_id", "email"]
    readonly_fields = ["customer", "kind", "credit_note", "invoices", "amount", "contact_name", "email", "message",
                       "created_at", "queue_task"]


@admin.register(PortalFeedback)
class PortalFeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "customer", "score", "comment"]
    list_filter = ["score"]
    readonly_fields = ["customer", "score", "comment", "created_at"]
