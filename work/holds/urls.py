from django.urls import path

from work.holds import views

urlpatterns = [
    path("", views.holds, name="holds"),
    path("rules/", views.hold_rules, name="hold_rules"),
    path("rules/<int:pk>/", views.hold_rules, name="hold_rule"),
    path("rules/run/", views.hold_rules_run, name="hold_rules_run"),
]
