"""The pay pages, under /portal/<token>/pay/ (mounted from portal/urls.py's pay block)."""

from django.urls import path

from portal import pay_views

urlpatterns = [
    path("", pay_views.pay, name="portal_pay"),
    path("<str:ref>/", pay_views.pay_result, name="portal_pay_result"),
]
