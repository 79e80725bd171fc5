from datetime import date

from django import forms
from django.contrib import admin

from core.records_admin import RecordAdmin
from ledger.hierarchy import parent_refused
from ledger.models import Application, Contact, CreditNote, Customer, FxRate, Invoice, Payment, WriteOff
from ledger.touch import LedgerTouch, ledger_touch


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


# --- family ---
class CustomerForm(forms.ModelForm):
    """A parent that is the customer itself or an account below it is refused, with the chain named.
    (The admin gives the model and the fields.)"""

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if (reason := parent_refused(self.instance, parent)) is not None:
            raise forms.ValidationError(f"This parent is refused: {reason}.")
        return parent
# --- end family ---


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm  # --- family ---
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fx_rate_touched(obj, was=form.initial.get("rate_date") if change else None)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        fx_rate_touched(obj)

    def delete_queryset(self, request, queryset):
        rates = list(queryset)
        super().delete_queryset(request, queryset)
        for rate in rates:
            fx_rate_touched(rate)


def fx_rate_touched(rate: FxRate, was: date | None = None) -> None:
    """A rate converts the documents of its day and later (until the next rate), and the earlier ones
    too when it is its currency's first: base amounts kept from before it (snapshots) are stale.
    `was`: the rate's date before an edit moved it."""
    since = min(rate.rate_date, was) if was else rate.rate_date
    earlier = FxRate.objects.filter(currency=rate.currency, rate_date__lt=since).exists()
    ledger_touch(on=since if earlier else date.min)


@admin.register(LedgerTouch)
class LedgerTouchAdmin(RecordAdmin):
    """Pending "history changed since" marks; the snapshot retake clears them."""

    list_display = ["since", "created_at"]
