from django.contrib import admin

from portfolios.models import Assignment, CollectorProfile, Portfolio, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager"]


@admin.register(CollectorProfile)
class CollectorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "title", "phone"]


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ["name", "collector", "team"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["customer", "portfolio", "starts_on", "ends_on", "by", "reason"]
    list_filter = ["portfolio"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer", "portfolio", "by"]

    def has_delete_permission(self, request, obj=None):
        return False
