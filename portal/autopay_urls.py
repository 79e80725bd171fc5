"""Autopay's portal pages, under /portal/<token>/autopay/setup/ (portal.urls includes them)."""

from django.urls import path

from portal import autopay_views

urlpatterns = [
    path("", autopay_views.autopay_setup, name="portal_autopay_setup"),
    path("<int:mandate_id>/", autopay_views.autopay_return, name="portal_autopay_return"),
    path("<int:mandate_id>/cancel/", autopay_views.autopay_cancel, name="portal_autopay_cancel"),
]
