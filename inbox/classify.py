"""What a customer's email says, by rules a collector can read: each result names the phrase that decided it.

In this order: a delivery failure report (DSN) is a bounce; an automatic answer (RFC 3834
`Auto-Submitted`, `X-Autoreply`, `Precedence: auto_reply`, an out-of-office subject) is an auto reply;
then only the new part of a person's reply is read (the quoted message below it never counts):
dispute words (or a plain root cause: "damaged", "billed twice") make a proposed dispute with its root
cause; "already paid" or a remittance advice makes a "check the cash"; a date next to a word of paying
("we will pay on 15 December", "Zahlung nächste Woche") makes a proposed promise; anything else is
"customer replied". The phrase lists are in `inbox/phrases.py`, the dates in `inbox/dates.py`.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from inbox import phrases
from inbox.dates import dates_in

AUTO_REPLY, BOUNCE, PAID, PROMISE, DISPUTE, REPLIED = "auto_reply", "bounce", "paid", "promise", "dispute", "replied"
INTENT_NEAR = 160  # characters between a date and the word of paying it goes with
FINAL_RECIPIENT = re.compile(r"^\s*(?:final|original)-recipient\s*:\s*(?:rfc822\s*;)?\s*(?P<address>\S+@\S+)\s*$",
                             re.IGNORECASE | re.MULTILINE)
FUTURE_BEFORE = re.compile(r"(?:will|shall|'ll|to|going to|should|can|could|would)\s+(?:be\s+)?$", re.IGNORECASE)
SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)


@dataclass(frozen=True)
class Result:
    kind: str
    reason: str
    promise_date: date | None = None
    root_cause: str = ""
    bounced: tuple[str, ...] = ()


def _headers(email: Any) -> dict[str, str]:
    raw = getattr(email, "headers", None) or {}
    return {str(k).lower(): " ".join(v) if isinstance(v, list) else str(v) for k, v in raw.items()}


def _quote(text: str) -> str:
    return f"“{' '.join(text.split())[:120]}”"


def new_part(text: str) -> str:
    """The reply itself: the quoted message below it (Outlook's "From:" block, Gmail's "On … wrote:",
    "> " lines) and the signature cut off."""
    cut = phrases.QUOTE_START.search(text)
    if cut and text[:cut.start()].strip():
        text = text[:cut.start()]
    sig = SIGNATURE.search(text)
    if sig and text[:sig.start()].strip():
        text = text[:sig.start()]
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def _received(email: Any) -> date:
    at = getattr(email, "received_at", None)
    if isinstance(at, datetime):
        return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
    return at if isinstance(at, date) else timezone.localdate()


def _bounce(email: Any, headers: dict[str, str], subject: str) -> Result | None:
    ctype = headers.get("content-type", "").lower()
    sender = getattr(email, "from_address", "") or ""
    if "multipart/report" in ctype and "delivery-status" in ctype:
        reason = "a delivery status notification (multipart/report)"
    elif phrases.BOUNCE_SENDER.search(sender.strip()):
        reason = f"sent by {sender.strip()}"
    elif m := phrases.BOUNCE_SUBJECT.search(subject):
        reason = f"subject {_quote(m.group(0))}"
    else:
        return None
    failed = [a.strip(" <>") for a in headers.get("x-failed-recipients", "").split(",") if "@" in a]
    failed += [m["address"].strip("<>") for m in FINAL_RECIPIENT.finditer(getattr(email, "text", "") or "")]
    return Result(BOUNCE, f"Bounce: {reason}", bounced=tuple(dict.fromkeys(a.lower() for a in failed)))


def _auto(headers: dict[str, str], subject: str) -> Result | None:
    submitted = headers.get("auto-submitted", "").strip().lower()
    if submitted and submitted != "no":
        return Result(AUTO_REPLY, f"Automatic reply: header Auto-Submitted: {submitted}")
    for name in ("x-autoreply", "x-autorespond"):
        if headers.get(name, "").strip():
            return Result(AUTO_REPLY, f"Automatic reply: header {name}: {headers[name].strip()[:60]}")
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("auto_reply", "bulk", "junk"):
        return Result(AUTO_REPLY, f"Automatic reply: header Precedence: {precedence}")
    if m := phrases.AUTO_SUBJECT.search(subject):
        return Result(AUTO_REPLY, f"Automatic reply: subject {_quote(m.group(0))}")
    return None


def _paid(body: str) -> re.Match | None:
    for m in phrases.PAID.finditer(body):
        if not FUTURE_BEFORE.search(body[max(0, m.start() - 20):m.start()]):  # "it will be paid on …" is a promise
            return m
    return None


def _dispute(body: str, paid: re.Match | None) -> Result | None:
    word = phrases.DISPUTE.search(body)
    cause, phrase, strong = "", None, False
    for name, decides, pattern in phrases.ROOT_CAUSES:
        if m := pattern.search(body):
            if decides or word:
                cause, phrase, strong = name, m, decides
                break
    if not (word or strong):
        return None
    if not cause:
        cause = "duplicate" if paid else "other"  # "you billed it, we already paid it" is billing twice
    said = [m.group(0) for m in (word, phrase) if m is not None]
    return Result(DISPUTE, "Dispute: " + " … ".join(_quote(s) for s in dict.fromkeys(said)), root_cause=cause)


def _promise(body: str, received: date) -> Result | None:
    for found in dates_in(body, received):
        if found.on < received:
            continue
        window = body[max(0, found.start - INTENT_NEAR):found.start + len(found.text) + INTENT_NEAR]
        if intent := phrases.PAY_INTENT.search(window):
            return Result(PROMISE, f"Promise: {_quote(intent.group(0))} … {_quote(found.text)}",
                          promise_date=found.on)
    return None


def classify(email: Any) -> Result:
    """Pure function of the email's headers, subject, reply_text (else text) and received_at: no
    database read or write, so it can be run again over stored mail."""
    headers = _headers(email)
    subject = getattr(email, "subject", "") or headers.get("subject", "")
    result = _bounce(email, headers, subject) or _auto(headers, subject)
    if result:
        return result
    body = new_part(getattr(email, "reply_text", "") or getattr(email, "text", "") or "")
    paid = _paid(body)
    result = _dispute(body, paid)
    if result:
        return result
    if paid:
        return Result(PAID, f"Says it is paid: {_quote(paid.group(0))}")
    result = _promise(body, _received(email))
    if result:
        return result
    return Result(REPLIED, "Customer replied: no payment, promise or dispute words found")
