from django.contrib import admin

from team.models import EDeliveryGoal, HelpRequest, MonthlyTarget, OneOnOne, WeeklyDigest


@admin.register(MonthlyTarget)
class MonthlyTargetAdmin(admin.ModelAdmin):
    list_display = ["month", "collector", "portfolio", "amount", "set_by", "set_at"]
    list_select_related = ["collector", "portfolio", "set_by"]


@admin.register(OneOnOne)
class OneOnOneAdmin(admin.ModelAdmin):
    list_display = ["week_start", "collector", "saved_by", "updated_at"]
    list_select_related = ["collector", "saved_by"]


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "customer", "raised_by", "status"]
    list_filter = ["status"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer", "raised_by"]


@admin.register(WeeklyDigest)
class WeeklyDigestAdmin(admin.ModelAdmin):
    list_display = ["week_start", "manager", "sent_at", "collectors"]
    list_select_related = ["manager"]


@admin.register(EDeliveryGoal)
class EDeliveryGoalAdmin(admin.ModelAdmin):
    list_display = ["team", "starts_on", "ends_on", "baseline_share", "target_share", "set_by"]
