"""Building inbound emails for the inbox tests as ingest stores them: classified, then their effects run."""

import itertools
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from inbox.classify import classify
from inbox.effects import inbound_received
from inbox.models import InboundEmail
from ledger.models import Customer

_ids = itertools.count(1)


def inbound(customer: Customer | None = None, body: str = "Thanks, noted.", *, subject: str = "Re: Your invoice",
            sender: str = "ap@customer.example", answers=None, headers: dict | None = None, raw: bytes = b"",
            contact=None, effects: bool = True, **fields) -> InboundEmail:
    n = next(_ids)
    email = InboundEmail(
        message_id=f"<reply-{n}-{timezone.now().timestamp()}@customer.example>", source="file", customer=customer,
        contact=contact, matched_by="in_reply_to" if answers else ("sender" if customer else "none"), answers=answers,
        in_reply_to=answers.provider_message_id if answers else "",
        references=answers.provider_message_id if answers else "",
        from_address=sender, from_name=fields.pop("from_name", "Pat Payables"), subject=subject,
        received_at=fields.pop("received_at", timezone.now() - timedelta(minutes=5)), text=body, reply_text=body,
        headers=headers or {}, **fields,
    )
    result = classify(email)
    email.classification, email.classification_reason = result.kind, result.reason[:300]
    email.proposed_promise_date, email.proposed_root_cause = result.promise_date, result.root_cause
    email.save()
    if raw:
        email.raw.save(f"{n}.eml", ContentFile(raw), save=True)
    if effects:
        inbound_received(email)
    return email
