"""Mounted under /accounts/<pk>/plans/ (accounts.urls)."""

from django.urls import path

from work.plans import views

urlpatterns = [
    path("new/", views.plan_new, name="plan_new"),
    path("preview/", views.plan_preview, name="plan_preview"),
    path("<int:plan_id>/renegotiate/", views.plan_renegotiate, name="plan_renegotiate"),
    path("<int:plan_id>/cancel/", views.plan_cancel, name="plan_cancel"),
]
