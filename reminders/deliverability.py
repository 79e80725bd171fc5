"""Deliverability: the suppression list (hard bounces, complaints, by hand), honoured before every
send; complaint reports (ARF, RFC 5965); the DKIM signature and the automatic-mail headers.

A hard bounce is a DSN status 5.x.x (permanent); a soft one (4.x.x: mailbox full, greylisting)
suppresses nothing. A suppressed address is never sent to again: the send fails with the reason
and the account's collector gets a task to find another contact (one per address and customer).
"""

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

import dkim  # type: ignore[import-untyped]
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.generations import accounts_changed
from ledger.models import Contact
from reminders.models import OutboundMessage, Suppression
from work.models import QueueTask
from work.services import queue_task_raise

# Mail written by a person is not marked as automatic (RFC 3834).
WRITTEN_BY_A_PERSON = frozenset({OutboundMessage.Kind.MANUAL, OutboundMessage.Kind.REPLY})


def normalized(address: str) -> str:
    return (address or "").strip().lower()


def is_hard_bounce(status: str) -> bool:
    """A DSN status class 5 (permanent failure, RFC 3463); 4.x.x is transient."""
    return (status or "").strip().startswith("5.")


def address_suppress(*, address: str, reason: str, source: str = "", detail: str = "") -> tuple[Suppression, bool]:
    """Put an address on the suppression list (once; the first reason is kept)."""
    if reason not in Suppression.Reason.values:
        raise ValueError(f"Unknown suppression reason {reason!r}.")
    wanted = normalized(address)
    if not wanted:
        raise ValueError("An address is needed to suppress it.")
    with transaction.atomic():
        suppression, created = Suppression.objects.get_or_create(address=wanted, defaults={
            "reason": reason, "source": source[:40], "detail": detail})
        # No contact of any account is picked as a recipient with this address any more.
        if Contact.objects.filter(email__iexact=wanted, email_bounced_at__isnull=True).update(
                email_bounced_at=timezone.now()):
            accounts_changed()  # the e-delivery page's coverage counts bounced AP emails
    return suppression, created


def is_suppressed(address: str) -> bool:
    return Suppression.objects.filter(address=normalized(address)).exists()


def suppression_for(address: str) -> Suppression | None:
    return Suppression.objects.filter(address=normalized(address)).first()


def suppressed_task_raise(message: OutboundMessage, suppression: Suppression) -> None:
    """The collector finds another contact: one task per address and customer."""
    address = suppression.address
    with transaction.atomic():
        queue_task_raise(
            customer=message.customer, kind=QueueTask.Kind.ADDRESS_SUPPRESSED,
            key=f"suppressed:{message.customer_id}:{address}",
            title=f"Address bounced: find another contact ({address})"[:200],
            detail=f"“{message.subject}” was not sent: {address} is on the suppression list "
                   f"({suppression.get_reason_display().lower()}). {suppression.detail}".strip()
                   + "\n\nFind another contact for this account and correct its email address.",
        )


@dataclass(frozen=True)
class Complaint:
    message_id: str
    recipient: str
    feedback_type: str


def _first_message(part: EmailMessage) -> EmailMessage:
    """The message inside a message/… part (parsed from text when the reporter sent it as text)."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], EmailMessage):
        return payload[0]
    text = payload if isinstance(payload, str) else str(part.get_content())
    parsed = email.message_from_string(text, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def complaint_from_arf(raw: bytes) -> Complaint | None:
    """Read an abuse report (ARF, RFC 5965: multipart/report; report-type=feedback-report) about a
    message of ours: the original Message-ID and the complaining recipient. None if it is not one."""
    report = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(report, EmailMessage) or report.get_content_type() != "multipart/report":
        return None
    feedback, message_id, recipient = None, "", ""
    for part in report.walk():
        if not isinstance(part, EmailMessage):
            continue
        ctype = part.get_content_type()
        if ctype == "message/feedback-report":
            block = _first_message(part)
            feedback = str(block.get("Feedback-Type", "abuse")).strip().lower()
            recipient = str(block.get("Original-Rcpt-To", "") or "").strip()
        elif ctype in ("message/rfc822", "text/rfc822-headers") and not message_id:
            inner = _first_message(part)
            message_id = str(inner.get("Message-ID", "")).strip()
            recipient = recipient or str(inner.get("To", "")).strip()
    if feedback is None:
        return None
    return Complaint(message_id=message_id, recipient=parseaddr(recipient)[1], feedback_type=feedback)


def dkim_configured() -> bool:
    return bool(getattr(settings, "DKIM_PRIVATE_KEY", "") and getattr(settings, "DKIM_SELECTOR", "")
                and getattr(settings, "DKIM_DOMAIN", ""))


SIGNED_HEADERS = [b"From", b"To", b"Subject", b"Date", b"Message-ID", b"MIME-Version", b"Content-Type",
                  b"In-Reply-To", b"References", b"Auto-Submitted"]


def dkim_header(raw: bytes) -> tuple[str, str]:
    """The DKIM-Signature header (name and value) for a whole message, with the configured key
    (PEM text, or a path to a PEM file)."""
    key = settings.DKIM_PRIVATE_KEY
    if not key.lstrip().startswith("-----"):
        with open(key, "rb") as f:
            key = f.read().decode()
    signature = dkim.sign(raw, settings.DKIM_SELECTOR.encode(), settings.DKIM_DOMAIN.encode(), key.encode(),
                          include_headers=SIGNED_HEADERS)
    name, _, value = signature.decode().partition(":")
    return name, " ".join(value.split())
