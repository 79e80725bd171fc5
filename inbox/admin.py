from django.contrib import admin

from core.records_admin import RecordAdmin
from inbox.models import InboundAttachment, InboundEmail


class InboundAttachmentInline(admin.TabularInline):
    model = InboundAttachment
    fields = ["filename", "content_type", "size", "skipped", "file"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InboundEmail)
class InboundEmailAdmin(RecordAdmin):
    """Inbound mail is written by inbox.services only; the admin is for looking."""

    list_display = ["received_at", "from_address", "subject", "customer", "matched_by", "classification", "status",
                    "source"]
    list_filter = ["matched_by", "classification", "status", "source"]
    search_fields = ["message_id", "from_address", "subject", "in_reply_to"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "contact", "answers", "assigned_by"]
    inlines = [InboundAttachmentInline]
