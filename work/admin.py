from django.contrib import admin

from core.records_admin import RecordAdmin
from work.corrections.models import LedgerCorrection
from work.holds.models import CreditHoldEvent, CreditHoldRule
from work.models import Activity, Dispute, Escalation, EscalationLevel, PromiseToPay, QueueTask
from work.plans.models import PaymentPlan, PlanInstallment
from work.queue.models import QueueEntry, Snooze


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "customer", "kind", "outcome", "by"]
    list_filter = ["kind", "outcome"]
    search_fields = ["customer__name", "notes", "subject"]
    raw_id_fields = ["customer", "contact", "invoices"]
    list_select_related = ["customer", "by"]


@admin.register(PromiseToPay)
class PromiseToPayAdmin(admin.ModelAdmin):
    list_display = ["customer", "amount", "pay_by", "status", "amount_paid", "source"]
    list_filter = ["status", "source"]
    raw_id_fields = ["customer", "invoices", "activity"]
    list_select_related = ["customer"]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["customer", "amount", "root_cause", "owner", "status", "opened_on", "resolved_on"]
    list_filter = ["status", "root_cause", "owner"]
    raw_id_fields = ["customer", "invoices"]
    list_select_related = ["customer"]


@admin.register(EscalationLevel)
class EscalationLevelAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "contact_role", "to_team_manager", "description"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["customer", "level", "to_contact", "by", "created_at"]
    raw_id_fields = ["customer", "to_contact", "invoices"]
    list_select_related = ["customer", "level", "to_contact", "by"]


@admin.register(QueueTask)
class QueueTaskAdmin(admin.ModelAdmin):
    list_display = ["customer", "kind", "title", "due_on", "status"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]


@admin.register(QueueEntry)
class QueueEntryAdmin(admin.ModelAdmin):
    list_display = ["day", "customer", "collector", "score", "status"]
    list_filter = ["status", "day"]
    raw_id_fields = ["customer", "activity"]
    list_select_related = ["customer", "collector"]


@admin.register(Snooze)
class SnoozeAdmin(admin.ModelAdmin):
    list_display = ["customer", "until", "reason", "by"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer", "by"]


class PlanInstallmentInline(admin.TabularInline):
    model = PlanInstallment
    extra = 0
    can_delete = False
    readonly_fields = ["number", "due_on", "amount", "amount_paid", "status", "settled_on", "missed_on"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PaymentPlan)
class PaymentPlanAdmin(RecordAdmin):
    """Plans are made, renegotiated and cancelled through work.plans.services."""

    list_display = ["customer", "total_amount", "currency", "status", "source", "starts_on", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["customer__external_id", "customer__name"]
    raw_id_fields = ["customer", "invoices", "replaces", "activity"]
    inlines = [PlanInstallmentInline]


@admin.register(CreditHoldRule)
class CreditHoldRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "days_past_due", "min_amount", "segment", "active"]
    list_filter = ["kind", "active"]


@admin.register(CreditHoldEvent)
class CreditHoldEventAdmin(RecordAdmin):
    """Holds and releases go through work.holds.services; the log is never edited."""

    list_display = ["created_at", "customer", "action", "source", "rule", "reason", "balance", "by"]
    list_filter = ["action", "source"]
    search_fields = ["customer__external_id", "customer__name", "reason"]
    raw_id_fields = ["customer"]


@admin.register(PlanInstallment)
class PlanInstallmentAdmin(RecordAdmin):
    list_display = ["plan", "number", "due_on", "amount", "amount_paid", "status"]
    list_filter = ["status"]
    raw_id_fields = ["plan"]


@admin.register(LedgerCorrection)
class LedgerCorrectionAdmin(RecordAdmin):
    """Corrections are asked, approved and rejected through work.corrections.services only."""

    list_display = ["requested_at", "customer", "kind", "amount", "currency", "status", "requested_by", "decided_by"]
    list_filter = ["status", "kind"]
    search_fields = ["customer__external_id", "customer__name", "reason"]
    raw_id_fields = ["customer", "payment", "invoice", "write_off"]
    list_select_related = ["customer", "requested_by", "decided_by"]
