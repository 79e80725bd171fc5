"""One door for inbound mail, whichever way it came (a file or an MTA's pipe, IMAP, a provider's
webhook): parse, store once by Message-ID, match to an account, classify, then act on it."""

import hashlib
import logging
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from inbox import classify, effects, matching, parsing
from inbox.models import InboundAttachment, InboundEmail

logger = logging.getLogger(__name__)

MB = 1024 * 1024


class MessageRefused(ValueError):
    """The message is refused whole (over INBOX_MAX_MESSAGE_MB): retrying will not help."""


def _store_attachments(email: InboundEmail, parsed: parsing.Parsed, stored: list[str]) -> None:
    cap = settings.INBOX_MAX_ATTACHMENT_MB * MB
    for attachment in parsed.attachments:
        size = len(attachment.payload)
        row = InboundAttachment(email=email, filename=attachment.filename, content_type=attachment.content_type,
                                size=size, skipped=size > cap)
        if not row.skipped:
            # Stored under a name of its own (the sender's, any length or alphabet, is on the row).
            suffix = PurePosixPath(attachment.filename.replace("\\", "/")).suffix[:10].lower()
            name = f"{hashlib.sha256(attachment.payload).hexdigest()[:24]}{suffix if suffix.isascii() else ''}"
            row.file.save(name, ContentFile(attachment.payload), save=False)
            stored.append(row.file.name)
        else:
            logger.info("inbound %s: attachment %r (%d bytes) over INBOX_MAX_ATTACHMENT_MB, not stored",
                        email.message_id, attachment.filename, size)
        row.save()


def _clean(value: str) -> str:
    """Text a database takes: no NUL (PostgreSQL refuses it), no lone surrogate (undecodable bytes)."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _cleaned(parsed: parsing.Parsed) -> None:
    for name in ("in_reply_to", "from_address", "from_name", "to_address", "subject", "text", "reply_text", "html"):
        setattr(parsed, name, _clean(getattr(parsed, name)))
    parsed.references = [_clean(r) for r in parsed.references]
    parsed.headers = {key: _clean(value) for key, value in parsed.headers.items()}
    for attachment in parsed.attachments:
        attachment.filename, attachment.content_type = _clean(attachment.filename), _clean(attachment.content_type)


def _classify(email: InboundEmail) -> None:
    result = classify.classify(email)
    email.classification = result.kind
    email.classification_reason = (result.reason or "")[:300]
    email.proposed_promise_date = result.promise_date
    email.proposed_root_cause = (result.root_cause or "")[:40]


def inbound_ingest(raw: bytes, *, source: str) -> tuple[InboundEmail, bool]:
    """Store the RFC 822 message `raw` (once: a Message-ID already stored returns that row and
    False), matched and classified, and run what its classification does. A message that cannot be
    fully parsed is stored with what could be read. Raises MessageRefused for a message over
    INBOX_MAX_MESSAGE_MB; any other error (the database) leaves nothing stored, to be retried."""
    if source not in InboundEmail.Source.values:
        raise ValueError(f"Unknown source {source!r}; one of {', '.join(InboundEmail.Source.values)}.")
    if len(raw) > settings.INBOX_MAX_MESSAGE_MB * MB:
        raise MessageRefused(f"Message of {len(raw):,} bytes is over INBOX_MAX_MESSAGE_MB "
                             f"({settings.INBOX_MAX_MESSAGE_MB} MB).")
    parsed = parsing.parse(raw)
    parsed.message_id = _clean(parsed.message_id)
    existing = InboundEmail.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        return existing, False
    _cleaned(parsed)
    found = matching.match(parsed)
    email = InboundEmail(
        message_id=parsed.message_id, source=source, customer=found.customer, contact=found.contact,
        matched_by=found.matched_by, answers=found.answers, in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references), from_address=parsed.from_address, from_name=parsed.from_name,
        to_address=parsed.to_address, subject=parsed.subject, received_at=parsed.received_at or timezone.now(),
        text=parsed.text, reply_text=parsed.reply_text, html=parsed.html, headers=parsed.headers, size=len(raw),
    )
    if parsed.problems:
        logger.info("inbound %s read with problems: %s", parsed.message_id, "; ".join(parsed.problems[:5]))
        email.headers = {**email.headers, "x-inbox-problems": "; ".join(parsed.problems)[:2000]}
    _classify(email)
    name = f"{hashlib.sha256(raw).hexdigest()[:24]}.eml"
    stored: list[str] = []
    try:
        with transaction.atomic():
            email.raw.save(name, ContentFile(raw), save=False)
            stored.append(email.raw.name)
            email.save()
            _store_attachments(email, parsed, stored)
            effects.inbound_received(email)
    except BaseException as error:
        for path in stored:  # the rows were rolled back: no file is left without its row
            email.raw.storage.delete(path)
        if not isinstance(error, IntegrityError):
            raise
        # The same message stored meanwhile by another worker (a poll and a pipe at once).
        existing = InboundEmail.objects.filter(message_id=parsed.message_id).first()
        if existing is None:
            raise
        return existing, False
    return email, True
