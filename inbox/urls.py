"""/inbox/: the AR inbox of customers' mail, and the doors mail comes in by."""

from django.urls import path  # noqa: F401

# --- reply ---
from inbox import views

# --- end reply ---
# --- ingest ---
from inbox.webhooks import InboundMailgunWebhook

# --- end ingest ---

urlpatterns: list = [
    # --- reply ---
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.inbox_item, name="inbox_item"),
    path("<int:pk>/assign/", views.inbox_assign, name="inbox_assign"),
    path("<int:pk>/confirm-promise/", views.inbox_confirm, name="inbox_confirm"),
    path("<int:pk>/open-dispute/", views.inbox_dispute, name="inbox_dispute"),
    path("<int:pk>/done/", views.inbox_done, name="inbox_done"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.inbox_attachment, name="inbox_attachment"),
    path("<int:pk>/attachments/<int:attachment_id>/remittance/", views.inbox_remittance, name="inbox_remittance"),
    # --- end reply ---
    # --- ingest ---
    path("webhooks/mailgun/", InboundMailgunWebhook.as_view(), name="inbox_webhook_mailgun"),
    # --- end ingest ---
]
