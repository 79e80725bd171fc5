from django.contrib import admin

from core.records_admin import RecordAdmin
from reporting.models import ArSnapshot, ArSnapshotDay, MonthForecast


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
