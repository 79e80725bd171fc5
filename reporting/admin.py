from django.contrib import admin

from core.records_admin import RecordAdmin
from reporting.models import (
    ArSnapshot,
    ArSnapshotDay,
    MonthForecast,
    PaidMonth,
    PaidMonthTaken,
    PaidWindow,
    PaidWindowTaken,
    PayModel,
)


@admin.register(ArSnapshotDay)
class ArSnapshotDayAdmin(admin.ModelAdmin):
    list_display = ["date", "customers", "total", "taken_at"]
    date_hierarchy = "date"


@admin.register(ArSnapshot)
class ArSnapshotAdmin(admin.ModelAdmin):
    list_display = ["date", "customer", "current", "days_1_30", "days_31_60", "days_61_90", "days_91_plus", "total"]
    list_filter = ["date"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(MonthForecast)
class MonthForecastAdmin(RecordAdmin):
    """Closed months are facts the nightly job stores: read them here, never edit them."""

    list_display = ["month", "forecast", "at_risk", "actual", "taken_at"]
    date_hierarchy = "month"


@admin.register(PayModel)
class PayModelAdmin(RecordAdmin):
    """The pay-date models the nightly job trained, with their backtest scores (the newest is used)."""

    list_display = ["trained_at", "as_of", "method", "rows", "seconds"]
    exclude = ["blob"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "blob"]  # bytes, not for reading


@admin.register(PaidMonthTaken)
class PaidMonthTakenAdmin(RecordAdmin):
    """The months whose paid invoices the nightly job stored for the payment behaviour: read only."""

    list_display = ["month", "groups", "cutoff", "taken_at"]
    date_hierarchy = "month"


@admin.register(PaidMonth)
class PaidMonthAdmin(RecordAdmin):
    """A closed month's paid invoices per customer, currency and rate day, as stored: read only."""

    list_display = ["month", "customer", "currency", "rate_day", "invoices", "cents", "late", "pay"]
    list_filter = ["month", "currency"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(PaidWindowTaken)
class PaidWindowTakenAdmin(RecordAdmin):
    """Today's window of stored months added up per customer in base, as taken: read only."""

    list_display = ["first_month", "last_month", "customers", "taken_at"]


@admin.register(PaidWindow)
class PaidWindowAdmin(RecordAdmin):
    """A customer's row of a window added up in base, as stored: read only."""

    list_display = ["window", "customer", "invoices", "cents", "late", "pay"]
    list_select_related = ["window", "customer"]
    raw_id_fields = ["window", "customer"]
