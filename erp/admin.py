from django.contrib import admin

from erp.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "total_rows", "processed_rows", "created_by", "created_at", "finished_at"]
    list_filter = ["status"]
