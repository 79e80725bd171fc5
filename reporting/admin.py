from django.contrib import admin

from reporting.models import ArSnapshot, ArSnapshotDay


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
