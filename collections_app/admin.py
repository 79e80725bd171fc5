from django.contrib import admin

from .models import (
    Activity,
    Application,
    Contact,
    CreditHoldEvent,
    CreditHoldRule,
    CreditNote,
    Customer,
    Dispute,
    Escalation,
    EscalationLevel,
    FxRate,
    ImportJob,
    Invoice,
    Payment,
    PaymentPlan,
    PlanInstallment,
    PromiseToPay,
    QueueEntry,
    QueueTask,
    Snooze,
    WriteOff,
)


class LedgerAdmin(admin.ModelAdmin):
    """Ledger rows change through services only: the admin shows them and never deletes them."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [field.name for field in self.model._meta.fields]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "name", "segment", "status", "portfolio", "credit_limit", "currency"]
    list_filter = ["status", "segment", "portfolio", "currency"]
    search_fields = ["external_id", "name"]
    raw_id_fields = ["parent"]
    list_select_related = ["portfolio"]
    inlines = [ContactInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "role", "email", "phone", "is_primary"]
    list_filter = ["role"]
    search_fields = ["name", "email", "customer__name"]
    raw_id_fields = ["customer"]


@admin.register(Invoice)
class InvoiceAdmin(LedgerAdmin):
    list_display = ["external_id", "customer", "issue_date", "due_date", "amount", "open_amount", "currency", "status"]
    list_filter = ["status", "currency"]
    search_fields = ["external_id", "customer__name", "po_number"]
    date_hierarchy = "due_date"
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(Payment)
class PaymentAdmin(LedgerAdmin):
    list_display = ["external_id", "customer", "received_date", "amount", "unapplied_amount", "currency", "status"]
    list_filter = ["status", "currency"]
    search_fields = ["external_id", "customer__name", "reference"]
    list_select_related = ["customer"]


@admin.register(CreditNote)
class CreditNoteAdmin(LedgerAdmin):
    list_display = ["external_id", "customer", "issue_date", "amount", "unapplied_amount", "currency"]
    search_fields = ["external_id", "customer__name"]
    list_select_related = ["customer"]


@admin.register(Application)
class ApplicationAdmin(LedgerAdmin):
    list_display = ["invoice", "payment", "credit_note", "amount", "applied_on"]
    search_fields = ["invoice__external_id", "payment__external_id", "credit_note__external_id"]
    list_select_related = ["invoice", "payment", "credit_note"]


@admin.register(WriteOff)
class WriteOffAdmin(LedgerAdmin):
    list_display = ["invoice", "amount", "written_off_on", "reason"]
    list_select_related = ["invoice"]


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "rate_date", "rate"]
    list_filter = ["currency"]


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


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "total_rows", "processed_rows", "created_by", "created_at", "finished_at"]
    list_filter = ["status"]


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
class PaymentPlanAdmin(LedgerAdmin):
    """Plans are made, renegotiated and cancelled through collections_app.plans.services."""

    list_display = ["customer", "total_amount", "currency", "status", "source", "starts_on", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["customer__external_id", "customer__name"]
    raw_id_fields = ["customer", "invoices", "replaces", "activity"]
    inlines = [PlanInstallmentInline]

    def has_add_permission(self, request):
        return False


@admin.register(CreditHoldRule)
class CreditHoldRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "days_past_due", "min_amount", "segment", "active"]
    list_filter = ["kind", "active"]


@admin.register(CreditHoldEvent)
class CreditHoldEventAdmin(LedgerAdmin):
    """Holds and releases go through collections_app.holds.services; the log is never edited."""

    list_display = ["created_at", "customer", "action", "source", "rule", "reason", "balance", "by"]
    list_filter = ["action", "source"]
    search_fields = ["customer__external_id", "customer__name", "reason"]
    raw_id_fields = ["customer"]

    def has_add_permission(self, request):
        return False


@admin.register(PlanInstallment)
class PlanInstallmentAdmin(LedgerAdmin):
    list_display = ["plan", "number", "due_on", "amount", "amount_paid", "status"]
    list_filter = ["status"]
    raw_id_fields = ["plan"]

    def has_add_permission(self, request):
        return False
