"""Mounted under /accounts/corrections/ (accounts.urls): the requests waiting for a second manager."""

from django.urls import path

from accounts import corrections as views

urlpatterns = [
    path("", views.corrections_pending, name="corrections_pending"),
]
