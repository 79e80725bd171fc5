from django.contrib import admin

from core.records_admin import RecordAdmin
from ledger.models import Application, Contact, CreditNote, Customer, FxRate, Invoice, Payment, WriteOff


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
class InvoiceAdmin(RecordAdmin):
    list_display = ["external_id", "customer", "issue_date", "due_date", "amount", "open_amount", "currency", "status"]
    list_filter = ["status", "currency"]
    search_fields = ["external_id", "customer__name", "po_number"]
    date_hierarchy = "due_date"
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(Payment)
class PaymentAdmin(RecordAdmin):
    list_display = ["external_id", "customer", "received_date", "amount", "unapplied_amount", "currency", "status"]
    list_filter = ["status", "currency"]
    search_fields = ["external_id", "customer__name", "reference"]
    list_select_related = ["customer"]


@admin.register(CreditNote)
class CreditNoteAdmin(RecordAdmin):
    list_display = ["external_id", "customer", "issue_date", "amount", "unapplied_amount", "currency"]
    search_fields = ["external_id", "customer__name"]
    list_select_related = ["customer"]


@admin.register(Application)
class ApplicationAdmin(RecordAdmin):
    list_display = ["invoice", "payment", "credit_note", "amount", "applied_on"]
    search_fields = ["invoice__external_id", "payment__external_id", "credit_note__external_id"]
    list_select_related = ["invoice", "payment", "credit_note"]


@admin.register(WriteOff)
class WriteOffAdmin(RecordAdmin):
    list_display = ["invoice", "amount", "written_off_on", "reason"]
    list_select_related = ["invoice"]


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "rate_date", "rate"]
    list_filter = ["currency"]
