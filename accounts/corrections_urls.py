"""Mounted under /accounts/<pk>/corrections/ (accounts.urls)."""

from django.urls import path

from accounts import corrections as views
from work.corrections.models import LedgerCorrection

Kind = LedgerCorrection.Kind

urlpatterns = [
    path("", views.account_corrections, name="account_corrections"),
    path("reverse-payment/", views.correction_request, {"kind": Kind.PAYMENT_REVERSAL},
         name="correction_reverse_payment"),
    path("write-off/", views.correction_request, {"kind": Kind.WRITE_OFF}, name="correction_write_off"),
    path("void/", views.correction_request, {"kind": Kind.INVOICE_VOID}, name="correction_void"),
    path("<int:correction_id>/approve/", views.correction_approve, name="correction_approve"),
    path("<int:correction_id>/reject/", views.correction_reject, name="correction_reject"),
]
