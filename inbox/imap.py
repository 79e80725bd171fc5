"""Polling the AR mailbox over IMAP (INBOUND_IMAP_URL), with imap-tools.

Each poll reads the messages not yet seen and not flagged, oldest first, and ingests each. Only a
message stored (or already stored: the same Message-ID) is marked \\Seen, so a crash mid-poll loses
nothing. A message that fails is logged and flagged (\\Flagged) and the poll goes on; a flagged
message is left for a person (unflag it to have it read again). A database error stops the poll
without flagging: the next poll tries again."""

import logging
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage, MailMessageFlags
from imap_tools.mailbox import BaseMailBox

from inbox.models import InboundEmail
from inbox.services import inbound_ingest

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30


class ImapConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ImapTarget:
    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"fetched": self.fetched, "stored": self.stored, "duplicates": self.duplicates,
                "failed": self.failed, "errors": self.errors}


class RawMailMessage(MailMessage):
    """imap-tools' message, keeping the bytes the server sent (they are stored whole)."""

    def __init__(self, fetch_data: list) -> None:
        self.raw: bytes = self._get_message_data_parts(fetch_data)[0]
        super().__init__(fetch_data)


PORTS = {"imaps": 993, "imap": 143, "imap+starttls": 143}


def parse_url(url: str) -> ImapTarget:
    """imaps://user:password@host[:port]/FOLDER (imap:// plain, imap+starttls://); the user and
    password percent-encoded when they hold ':', '@' or '/'."""
    parts = urlsplit(url)
    if parts.scheme not in PORTS:
        raise ImapConfigError(f"INBOUND_IMAP_URL must start with imaps://, imap:// or imap+starttls://, "
                              f"not {parts.scheme or '(nothing)'}://")
    if not parts.hostname or not parts.username:
        raise ImapConfigError("INBOUND_IMAP_URL needs a user and a host: imaps://user:password@host/INBOX")
    try:
        port = parts.port or PORTS[parts.scheme]
    except ValueError as error:
        raise ImapConfigError(f"INBOUND_IMAP_URL: bad port ({error})") from None
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapTarget(parts.scheme, parts.hostname, port, unquote(parts.username), unquote(parts.password or ""),
                      folder)


def _mailbox(target: ImapTarget) -> BaseMailBox:
    if target.scheme == "imaps":
        return MailBox(target.host, target.port, timeout=TIMEOUT_SECONDS)
    if target.scheme == "imap+starttls":
        return MailBoxStartTls(target.host, target.port, timeout=TIMEOUT_SECONDS)
    return MailBoxUnencrypted(target.host, target.port, timeout=TIMEOUT_SECONDS)


def imap_poll(url: str | None = None, *, limit: int | None = None) -> PollResult:
    """Ingest the mailbox's unseen, unflagged messages (at most `limit`, INBOUND_IMAP_BATCH)."""
    target = parse_url(url or settings.INBOUND_IMAP_URL)
    limit = limit or settings.INBOUND_IMAP_BATCH
    result = PollResult()
    with _mailbox(target) as mailbox:
        mailbox.email_message_class = RawMailMessage
        mailbox.login(target.user, target.password, initial_folder=target.folder)
        for message in mailbox.fetch(AND(seen=False, flagged=False), mark_seen=False, limit=limit):
            result.fetched += 1
            uid = message.uid
            if uid is None:  # a server that does not say: it cannot be marked, so it is not read
                result.failed += 1
                result.errors.append("a message without a UID")
                continue
            try:
                raw = message.raw if isinstance(message, RawMailMessage) else bytes(message.obj)
                _, created = inbound_ingest(raw, source=InboundEmail.Source.IMAP)
            except (OperationalError, InterfaceError) as error:
                logger.warning("IMAP poll stopped at uid %s, database unavailable: %s", message.uid, error)
                result.errors.append(f"uid {message.uid}: {error}")
                raise
            except Exception as error:  # noqa: BLE001 - one bad message never stops the poll
                logger.exception("IMAP uid %s could not be ingested; flagged and left unread", message.uid)
                result.failed += 1
                result.errors.append(f"uid {message.uid}: {error}")
                mailbox.flag(uid, MailMessageFlags.FLAGGED, True)
                continue
            mailbox.flag(uid, MailMessageFlags.SEEN, True)
            if created:
                result.stored += 1
            else:
                result.duplicates += 1
    logger.info("IMAP poll of %s/%s: %s", target.host, target.folder, result.as_dict())
    return result
