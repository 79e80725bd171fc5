from django.contrib import admin

from reminders.models import (  # --- html: Branding, MessageTemplateTranslation ---
    Branding,
    ChargeProposal,
    CustomerDunningSettings,
    DeliveryEvent,
    DunningPolicy,
    DunningRun,
    DunningStep,
    InvoiceStepSent,
    MessageTemplate,
    MessageTemplateTranslation,
    OutboundMessage,
    Statement,
    StatementFailure,
    StatementRun,
    Suppression,  # windows
    TrackedLink,
)


class DunningStepInline(admin.TabularInline):
    model = DunningStep
    extra = 0


@admin.register(DunningPolicy)
class DunningPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "segment", "is_default"]
    inlines = [DunningStepInline]


@admin.register(DunningStep)
class DunningStepAdmin(admin.ModelAdmin):
    list_display = ["policy", "offset_days", "name", "action", "template"]
    list_filter = ["policy", "action"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "subject", "updated_at"]
    list_filter = ["kind"]


@admin.register(CustomerDunningSettings)
class CustomerDunningSettingsAdmin(admin.ModelAdmin):
    list_display = ["customer", "policy", "paused"]
    raw_id_fields = ["customer"]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "customer", "to_email", "subject", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "to_email", "key", "provider_message_id"]
    raw_id_fields = ["customer", "contact", "invoices", "run", "step", "created_by"]
    list_select_related = ["customer"]
    # Status moves only through the outbox services; the admin is for looking.
    readonly_fields = ["key", "status", "attempts", "lease_until", "dispatched_at", "provider_message_id", "sent_at",
                       "opened_at", "bounced_at"]


@admin.register(DunningRun)
class DunningRunAdmin(admin.ModelAdmin):
    list_display = ["as_of", "started_at", "trigger", "invoices_evaluated", "messages_queued", "tasks_raised",
                    "steps_skipped"]


@admin.register(InvoiceStepSent)
class InvoiceStepSentAdmin(admin.ModelAdmin):
    list_display = ["invoice", "step", "offset_days", "outcome", "on"]
    list_filter = ["outcome"]
    raw_id_fields = ["invoice", "step", "run", "message"]


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(admin.ModelAdmin):
    list_display = ["message", "kind", "at"]
    list_filter = ["kind"]
    raw_id_fields = ["message"]


@admin.register(StatementRun)
class StatementRunAdmin(admin.ModelAdmin):
    list_display = ["month", "status", "done", "total", "started_at", "finished_at"]


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ["customer", "month", "total_open", "as_of"]
    raw_id_fields = ["customer", "run", "message"]


@admin.register(ChargeProposal)
class ChargeProposalAdmin(admin.ModelAdmin):
    """Proposals are approved or waived on the charges page (reminders.charges); the admin only shows them."""

    list_display = ["created_at", "customer", "invoice", "kind", "amount", "currency", "status", "decided_by"]
    list_filter = ["status", "kind"]
    search_fields = ["customer__external_id", "invoice__external_id"]
    raw_id_fields = ["customer", "invoice", "charge"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatementFailure)
class StatementFailureAdmin(admin.ModelAdmin):
    """Why one account's statement failed in a run; starting the run again retries it."""

    list_display = ["run", "customer", "error", "at"]
    raw_id_fields = ["run", "customer"]


@admin.register(TrackedLink)
class TrackedLinkAdmin(admin.ModelAdmin):
    """The portal link one message carries: a click honours its expiry and revocation, never mints a new one."""

    list_display = ["key", "customer", "created_at"]
    raw_id_fields = ["customer"]


# --- windows ---
@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    """The suppression list; deleting a row lifts the suppression (the contact's bounce mark stays
    until its address is corrected)."""

    list_display = ["address", "reason", "source", "created"]
    list_filter = ["reason", "source"]
    search_fields = ["address", "detail"]
    readonly_fields = ["created"]
# --- end windows ---


# --- html ---
@admin.register(Branding)
class BrandingAdmin(admin.ModelAdmin):
    """One row: the company's name, logo, colours, address and legal footer in every HTML email."""

    list_display = ["company_name", "primary_colour", "accent_colour", "support_email", "updated_at"]

    def has_add_permission(self, request):
        return not Branding.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class MessageTemplateTranslationInline(admin.StackedInline):
    model = MessageTemplateTranslation
    extra = 0


MessageTemplateAdmin.inlines = [*MessageTemplateAdmin.inlines, MessageTemplateTranslationInline]


@admin.register(MessageTemplateTranslation)
class MessageTemplateTranslationAdmin(admin.ModelAdmin):
    """Every translation in one list (each is also edited inline on its template)."""

    list_display = ["template", "language", "subject"]
    list_filter = ["language"]
    search_fields = ["template__name", "subject"]
# --- end html ---
