"""URLs of payments, mounted at /payments/."""

from django.urls import path

from payments import views

urlpatterns = [
    path("webhooks/<slug:provider>/", views.webhook, name="payments_webhook"),
    path("sandbox/setup/<str:ref>/", views.sandbox_setup, name="payments_sandbox_setup"),
    path("sandbox/<str:ref>/settle/", views.sandbox_settle, name="payments_sandbox_settle"),
    path("sandbox/<str:ref>/", views.sandbox_checkout, name="payments_sandbox_checkout"),
    path("accounts/<int:pk>/", views.account_payments, name="payments_account"),
    path("accounts/<int:pk>/refund/", views.payments_refund, name="payments_refund"),
    path("accounts/<int:pk>/sandbox-event/", views.payments_sandbox_event, name="payments_sandbox_event"),
]
