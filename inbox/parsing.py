"""Reading an RFC 822 message as it really arrives: multipart or not, HTML only, quoted-printable or
base64, any charset (declared wrongly or not at all), malformed headers, Outlook and Gmail quoting.

`parse(raw)` never raises: whatever could not be read is listed in `Parsed.problems`, and the rest is
kept. The stdlib `email` package (policy.default) does the MIME work; this module adds the charset
fallbacks, the HTML-to-text step and the stripping of the quoted message below a reply."""

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import lxml.etree  # type: ignore[import-untyped]
import lxml.html  # type: ignore[import-untyped]
from charset_normalizer import from_bytes
from django.utils import timezone

logger = logging.getLogger(__name__)

# Headers kept on the row (lower-case names); the classifier reads them.
KEPT_HEADERS = (
    "message-id", "in-reply-to", "references", "from", "sender", "reply-to", "to", "cc", "delivered-to",
    "x-original-to", "return-path", "date", "subject", "content-type", "auto-submitted", "precedence",
    "x-autoreply", "x-autorespond", "x-auto-response-suppress", "x-failed-recipients", "list-id",
    "list-unsubscribe", "x-mailer", "user-agent", "thread-topic", "x-ms-exchange-generated-message-source",
)
# Charsets mail declares that Python does not know, or knows under another name.
CHARSET_ALIASES = {
    "x-sjis": "shift_jis", "sjis": "shift_jis", "shift-jis": "shift_jis", "windows-31j": "cp932",
    "ks_c_5601-1987": "cp949", "x-user-defined": "cp1252", "unicode-1-1-utf-7": "utf-7", "utf8": "utf-8",
    "x-unknown": "", "unknown-8bit": "", "us-ascii": "utf-8", "ascii": "utf-8",
    # What browsers do (WHATWG): a message labelled Latin-1 is read as windows-1252, its superset.
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
}


@dataclass
class Attachment:
    filename: str
    content_type: str
    payload: bytes


@dataclass
class Parsed:
    message_id: str
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    from_address: str = ""
    from_name: str = ""
    to_address: str = ""
    # Every address the message was sent to (To, Cc, Delivered-To, X-Original-To), lower case.
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    received_at: datetime | None = None
    text: str = ""
    reply_text: str = ""
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    # Of a delivery status notification (a bounce): the Message-ID of ours it returns, and to whom.
    original_message_id: str = ""
    final_recipients: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def derived_message_id(raw: bytes) -> str:
    """The Message-ID of a message without one: the same bytes always give the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@inbox.invalid>"


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Text from bytes in `declared` charset, else UTF-8, else the best guess, else windows-1252."""
    tried = []
    name = (declared or "").strip().strip('"').lower()
    name = CHARSET_ALIASES.get(name, name)
    for charset in (name, "utf-8"):
        if not charset or charset in tried:
            continue
        tried.append(charset)
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    guess = from_bytes(data[:200_000]).best() if data else None
    if guess is not None and guess.encoding:
        try:
            return data.decode(guess.encoding, errors="replace")
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace")


RAW_8BIT = re.compile("[\udc80-\udcff]")


def _fix_c1(value: str) -> str:
    """Characters 0x80-0x9f of a header labelled Latin-1 are windows-1252's (€, dashes, quotes)."""
    def cp1252(found: re.Match) -> str:
        try:
            return bytes([ord(found.group())]).decode("cp1252")
        except UnicodeDecodeError:
            return found.group()
    return re.sub("[\x80-\x9f]", cp1252, value)


def _header(msg: Message, name: str, problems: list[str]) -> str:
    """A header's value, decoded; raw 8-bit bytes in a header (not allowed, often sent) are read in
    UTF-8 or the best guess; a header the parser cannot decode is kept raw rather than lost."""
    raw = [value for key, value in msg.raw_items() if key.lower() == name]
    if any(RAW_8BIT.search(value) for value in raw):
        values = [decode_bytes(value.encode("utf-8", "surrogateescape"), None) for value in raw]
    else:
        try:
            values = [str(value) for value in msg.get_all(name) or []]
        except Exception as error:  # noqa: BLE001 - a header the parser chokes on is kept raw
            problems.append(f"header {name}: {error}")
            values = raw
    return "\n".join(_fix_c1(" ".join(str(v).split())) for v in values)


def _ids(value: str) -> list[str]:
    """Message-IDs in a References / In-Reply-To value (angle brackets kept), in order."""
    found = re.findall(r"<[^<>\s]+>", value)
    if not found and value.strip():
        found = [f"<{token.strip('<>')}>" for token in value.split() if "@" in token]
    return found


def _received_at(date_value: str) -> datetime:
    now = timezone.now()
    try:
        when = parsedate_to_datetime(date_value) if date_value else None
    except (TypeError, ValueError, IndexError, OverflowError):
        when = None
    if when is None:
        return now
    if timezone.is_naive(when):
        when = timezone.make_aware(when, timezone.get_current_timezone())
    # A sender's clock far off (or a forged date) must not put the message at the top for ever.
    if when > now + timedelta(days=1) or when.year < 1990:
        return now
    return when


def _part_text(part: Message, problems: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception as error:  # noqa: BLE001 - a broken transfer encoding: keep what is there
        problems.append(f"{part.get_content_type()}: {error}")
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    return decode_bytes(payload, part.get_content_charset())


def html_to_text(html: str, *, drop_quotes: bool = False) -> str:
    """Readable text of an HTML body; with `drop_quotes`, without the quoted message (blockquote,
    Gmail's gmail_quote, Outlook's divRplyFwdMsg and everything after it)."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return re.sub(r"<[^>]+>", " ", html)
    for bad in root.xpath("//script|//style|//head"):
        bad.drop_tree()
    if drop_quotes:
        for quote in root.xpath("//blockquote|//*[contains(@class,'gmail_quote')]|//*[@id='appendonsend']"):
            quote.drop_tree()
        for mark in root.xpath("//*[@id='divRplyFwdMsg' or @id='x_divRplyFwdMsg']"):
            for later in list(mark.itersiblings()):
                later.drop_tree()
            mark.drop_tree()
    for br in root.xpath("//br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.xpath("//p|//div|//tr|//li|//h1|//h2|//h3|//h4|//table|//hr"):
        block.tail = "\n" + (block.tail or "")
    text = root.text_content().replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# The line a reply's quoted message starts with. Gmail wraps "On … wrote:" over two lines.
ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\s.+\swrote\s?:"
    r"|Le\s.+\sa\s+écrit\s?:"
    r"|Am\s.+\sschrieb.*:"
    r"|El\s.+\sescribió\s?:"
    r"|Op\s.+\sschreef.*:"
    r"|Il\s.+\sha\s+scritto\s?:"
    r"|Em\s.+\sescreveu\s?:"
    r"|.+(?:が|は)書きました\s?[:：]?"
    r"|\d{4}年\d{1,2}月\d{1,2}日.+[:：]"
    r")\s*$",
    re.IGNORECASE,
)
ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Oorspronkelijk bericht|Messaggio originale|Mensagem original|元のメッセージ|Forwarded message"
    r"|Message transféré|Weitergeleitete Nachricht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
OUTLOOK_FROM = re.compile(r"^\s*\*?(?:From|Von|De|Van|Da|Från|差出人)\s?\*?\s?:", re.IGNORECASE)
OUTLOOK_SENT = re.compile(
    r"^\s*\*?(?:Sent|Gesendet|Envoyé|Enviado|Verzonden|Inviato|Date|Datum|Skickat|送信日時)\s?\*?\s?:", re.IGNORECASE
)
UNDERSCORES = re.compile(r"^\s*_{20,}\s*$")


def _quote_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if ORIGINAL_MESSAGE.match(line) or ATTRIBUTION.match(line):
            return i
        if i + 1 < len(lines) and ATTRIBUTION.match(f"{line} {lines[i + 1]}"):
            return i
        if OUTLOOK_FROM.match(line) and any(OUTLOOK_SENT.match(later) for later in lines[i + 1:i + 4]):
            return i - 1 if i and UNDERSCORES.match(lines[i - 1]) else i
    return None


def strip_quoted(text: str) -> str:
    """Only what the sender wrote: the quoted message below ("On … wrote:", "-----Original
    Message-----", Outlook's From:/Sent: block, in several languages) and ">" lines removed."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = _quote_start(lines)
    if start is not None:
        lines = lines[:start]
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in kept)).strip()


def _walk(msg: Message, parsed: Parsed, texts: list[str], htmls: list[str], depth: int = 0) -> None:
    """The parts of `msg`, depth first. A message inside (a bounce's returned original, a forwarded
    mail) is an attachment; from a bounce's copy only its Message-ID is read."""
    if depth > 30:
        parsed.problems.append("parts nested too deep; the rest is not read")
        return
    ctype = msg.get_content_type()
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        _delivery_status(msg, parsed)
        return
    if msg.is_multipart() and not ctype.startswith("message/"):
        parts = msg.get_payload()
        for part in parts if isinstance(parts, list) else []:
            if isinstance(part, Message):
                _walk(part, parsed, texts, htmls, depth + 1)
        return
    if ctype in ("text/rfc822-headers", "message/rfc822-headers"):
        _original_headers(_part_text(msg, parsed.problems), parsed)
        return
    disposition = (msg.get_content_disposition() or "").lower()
    try:
        filename = msg.get_filename() or ""
    except Exception:  # noqa: BLE001 - a mangled RFC 2231 name
        filename = ""
    if ctype == "text/plain" and disposition != "attachment" and not filename:
        texts.append(_part_text(msg, parsed.problems))
        return
    if ctype == "text/html" and disposition != "attachment" and not filename:
        htmls.append(_part_text(msg, parsed.problems))
        return
    if ctype in ("message/rfc822", "message/global"):
        inner = msg.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        if isinstance(inner, Message):
            _original_headers(f"Message-ID: {inner.get('Message-ID', '')}", parsed)
            payload = inner.as_bytes(policy=policy.SMTP) if hasattr(inner, "as_bytes") else b""
        else:
            payload = b""
        subject = str(inner.get("Subject", "")) if isinstance(inner, Message) else ""
        name = filename or f"{(subject or 'message')[:80]}.eml"
        parsed.attachments.append(Attachment(name[:255], ctype, payload))
        return
    try:
        data = msg.get_payload(decode=True)
    except Exception as error:  # noqa: BLE001
        parsed.problems.append(f"attachment {filename or ctype}: {error}")
        data = None
    payload = data if isinstance(data, bytes) else b""
    parsed.attachments.append(Attachment(filename[:255] or f"part.{ctype.split('/')[-1]}"[:255], ctype[:255], payload))


def _delivery_status(part: Message, parsed: Parsed) -> None:
    """A bounce's machine-readable part: Final-Recipient lines (the stdlib parses it into header blocks)."""
    blocks = part.get_payload() if isinstance(part.get_payload(), list) else []
    text = "\n".join(str(block) for block in blocks) or _part_text(part, parsed.problems)
    for match in re.finditer(r"^(?:Final|Original)-Recipient:\s*(?:rfc822;)?\s*(\S+)", text, re.I | re.M):
        address = match.group(1).strip("<>").lower()
        if address not in parsed.final_recipients:
            parsed.final_recipients.append(address)


def _original_headers(text: str, parsed: Parsed) -> None:
    found = re.search(r"^Message-ID:\s*(<[^>\s]+>)", text, re.I | re.M)
    if found and not parsed.original_message_id:
        parsed.original_message_id = found.group(1)


def _addresses(values: list[str]) -> list[str]:
    out = []
    for _, address in getaddresses(values):
        address = address.strip().lower()
        if "@" in address and address not in out:
            out.append(address)
    return out


def parse(raw: bytes) -> Parsed:
    """Everything readable in `raw`; never raises (what failed is in `problems`)."""
    try:
        msg: Message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as error:  # noqa: BLE001 - the stdlib parser is lenient; this is the last net
        logger.warning("inbound message could not be parsed: %s", error)
        parsed = Parsed(message_id=derived_message_id(raw), problems=[f"message: {error}"], received_at=timezone.now())
        parsed.text = parsed.reply_text = decode_bytes(raw[:200_000], None)
        return parsed
    problems: list[str] = [f"{type(d).__name__}: {d}" for d in (msg.defects or [])][:20]
    headers = {}
    for name in KEPT_HEADERS:
        value = _header(msg, name, problems)
        if value:
            headers[name] = value[:4000]
    message_id = (_ids(headers.get("message-id", "")) or [""])[0][:998] or derived_message_id(raw)
    parsed = Parsed(message_id=message_id, headers=headers, problems=problems)
    parsed.in_reply_to = (_ids(headers.get("in-reply-to", "")) or [""])[0][:998]
    parsed.references = _ids(headers.get("references", ""))
    name, address = parseaddr(headers.get("from", "").split("\n")[0])
    parsed.from_name, parsed.from_address = name[:200], address.strip().lower()[:254]
    if not parsed.from_address and headers.get("from"):
        parsed.from_address = headers["from"].strip()[:254]
    to = _addresses([headers.get("to", "")])
    parsed.to_address = (to[0] if to else "")[:254]
    parsed.recipients = _addresses([headers.get(h, "") for h in ("to", "cc", "delivered-to", "x-original-to")])
    parsed.subject = headers.get("subject", "")[:998]
    parsed.received_at = _received_at(headers.get("date", "").split("\n")[0])
    texts: list[str] = []
    htmls: list[str] = []
    try:
        _walk(msg, parsed, texts, htmls)
    except Exception as error:  # noqa: BLE001 - keep the headers of a body we cannot walk
        logger.warning("inbound message %s: body could not be read: %s", message_id, error)
        problems.append(f"body: {error}")
    if isinstance(msg, EmailMessage) and not texts and not htmls and not msg.is_multipart():
        texts.append(_part_text(msg, problems))
    texts = [t.replace("\r\n", "\n").strip() for t in texts]
    parsed.html = "\n".join(h for h in htmls if h)
    parsed.text = "\n\n".join(t for t in texts if t) or html_to_text(parsed.html)
    if texts:
        parsed.reply_text = strip_quoted(parsed.text)
    else:
        parsed.reply_text = strip_quoted(html_to_text(parsed.html, drop_quotes=True))
    if msg.get_content_type() != "multipart/report":
        parsed.original_message_id = ""  # a forwarded message is not one of ours coming back
    if parsed.final_recipients:
        parsed.headers["x-inbox-final-recipients"] = ", ".join(parsed.final_recipients)[:4000]
    if parsed.original_message_id:
        parsed.headers["x-inbox-original-message-id"] = parsed.original_message_id
    return parsed
