"""/inbox/: the AR inbox of customers' mail, and the doors mail comes in by."""

from django.urls import path  # noqa: F401

urlpatterns: list = [
    # --- reply ---
    # --- end reply ---
    # --- ingest ---
    # --- end ingest ---
]
