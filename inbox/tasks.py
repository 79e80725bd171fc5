"""Celery entry point: beat's IMAP poll (every INBOUND_IMAP_POLL_SECONDS, when INBOUND_IMAP_URL is set)."""

from celery import shared_task
from django.conf import settings

from inbox.imap import imap_poll


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def imap_poll_task() -> dict:
    """Ingest the AR mailbox's new messages; nothing to do without INBOUND_IMAP_URL."""
    if not settings.INBOUND_IMAP_URL:
        return {"skipped": "INBOUND_IMAP_URL is not set"}
    return imap_poll().as_dict()
