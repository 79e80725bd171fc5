"""What happens to a message after it leaves: opens (pixel), clicks (portal link), bounces
(provider webhook or an SMTP delivery status notification), and invoices nobody opened."""

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from core.generations import accounts_changed
from ledger.models import Contact, Invoice
from reminders.deliverability import address_suppress, complaint_from_arf
from reminders.models import DeliveryEvent, OutboundMessage, Suppression
from work.models import Activity, QueueTask
from work.services import activity_log, queue_task_raise

NOT_OPENED_DAYS = getattr(settings, "REMINDERS_NOT_OPENED_DAYS", 3)
# An enhanced status code (RFC 3463): class.subject.detail, e.g. 5.1.1.
STATUS_CODE = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")


def _event(message: OutboundMessage, kind: str, detail: str = "") -> bool:
    """Record the event; False when this message already had one of that kind (opens, bounces)."""
    try:
        with transaction.atomic():
            DeliveryEvent.objects.create(message=message, kind=kind, detail=detail)
    except IntegrityError:
        return False
    return True


def message_opened(*, message: OutboundMessage) -> OutboundMessage:
    """The first open of a message marks its invoices opened and lands on the timeline."""
    now = timezone.now()
    with transaction.atomic():
        if not _event(message, DeliveryEvent.Kind.OPEN):
            return message
        OutboundMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(opened_at=now)
        invoices = list(message.invoices.all())
        Invoice.objects.filter(pk__in=[i.pk for i in invoices], opened_at__isnull=True).update(opened_at=now)
        activity_log(customer=message.customer, kind=Activity.Kind.SYSTEM, contact=message.contact,
                     invoices=invoices, subject=f"Opened: {message.subject}",
                     notes=f"{message.to_email} opened the email.", occurred_at=now)
    return message


def message_clicked(*, message: OutboundMessage, refused: str = "") -> OutboundMessage:
    """A click on the portal link is logged on the timeline (the first one per message). `refused`
    says why the link did not open the portal (it expired, it was revoked): the first such click is
    logged too, so the collector knows the customer tried and needs a new link."""
    with transaction.atomic():
        first = not message.events.filter(kind=DeliveryEvent.Kind.CLICK, detail=refused).exists()
        _event(message, DeliveryEvent.Kind.CLICK, refused)
        if first:
            notes = f"{message.to_email} followed the portal link."
            if refused:
                notes = f"{message.to_email} followed the portal link, but it did not open: {refused.lower()}."
            activity_log(customer=message.customer, kind=Activity.Kind.SYSTEM, contact=message.contact,
                         subject=f"Portal link clicked: {message.subject}", notes=notes)
    return message


def bounce_kind(status: str = "", reason: str = "") -> str:
    """"hard" (a permanent 5.x.x DSN status), "soft" (4.x.x, transient) or "" (no status given):
    the status field if there is one, else the first enhanced status code in the reason."""
    found = STATUS_CODE.search(status or "") or STATUS_CODE.search(reason or "")
    if found is None:
        return ""
    return "hard" if found.group(1) == "5" else "soft" if found.group(1) == "4" else ""


def message_bounced(*, message: OutboundMessage, reason: str = "", status: str = "") -> OutboundMessage:
    """A bounce lands on the timeline. A hard one (5.x.x) puts the address on the suppression list;
    a hard one or one without a status marks the contact's address as bouncing (no more mail to it)
    and asks the collector for a better address. A soft one (4.x.x: mailbox full, try later) is only
    recorded: the address stays in use."""
    now = timezone.now()
    kind = bounce_kind(status, reason)
    with transaction.atomic():
        if not _event(message, DeliveryEvent.Kind.BOUNCE, reason):
            return message
        OutboundMessage.objects.filter(pk=message.pk).update(bounced_at=now)
        activity_log(customer=message.customer, kind=Activity.Kind.SYSTEM, contact=message.contact,
                     subject=f"{'Soft bounce' if kind == 'soft' else 'Bounced'}: {message.subject}",
                     notes=f"{message.to_email}: {reason}".strip(), occurred_at=now)
        if kind == "soft":
            return message
        if kind == "hard":
            address_suppress(address=message.to_email, reason=Suppression.Reason.HARD_BOUNCE, source="bounce",
                             detail=reason)
        contacts = Contact.objects.filter(customer=message.customer, email__iexact=message.to_email)
        if contacts.filter(email_bounced_at__isnull=True).update(email_bounced_at=now):
            accounts_changed()
        queue_task_raise(customer=message.customer, kind=QueueTask.Kind.BOUNCE,
                         title=f"Email to {message.to_email} bounced", detail=reason or message.subject,
                         key=f"bounce:{message.pk}")
    return message


def _message_for(message_id: str, recipient: str) -> OutboundMessage | None:
    """The message a report is about: by its Message-ID, else the last one sent to the recipient."""
    message = None
    if message_id:
        wanted = message_id.strip()
        wanted = wanted if wanted.startswith("<") else f"<{wanted}>"
        message = OutboundMessage.objects.filter(provider_message_id=wanted).select_related("customer").first()
    if message is None and recipient:
        message = (OutboundMessage.objects.filter(to_email__iexact=recipient.strip(), sent_at__isnull=False)
                   .select_related("customer").order_by("-sent_at").first())
    return message


def bounce_record(*, message_id: str = "", recipient: str = "", reason: str = "",
                  status: str = "") -> OutboundMessage | None:
    """Find the message a bounce is about (by its Message-ID, else the last one sent to the
    recipient) and record the bounce. None when no message of ours matches."""
    message = _message_for(message_id, recipient)
    if message is None:
        return None
    return message_bounced(message=message, reason=reason, status=status)


def complaint_record(*, message_id: str = "", recipient: str = "", detail: str = "") -> OutboundMessage | None:
    """The recipient marked our mail as spam: the address is suppressed at once (whether or not
    we find the message), the complaint lands on the account's timeline and the collector is asked
    for another contact. None when no message of ours matches."""
    message = _message_for(message_id, recipient)
    address = recipient or (message.to_email if message else "")
    if not address:
        return None
    with transaction.atomic():
        address_suppress(address=address, reason=Suppression.Reason.COMPLAINT, source="arf", detail=detail)
        if message is None:
            return None
        now = timezone.now()
        if Contact.objects.filter(customer=message.customer, email__iexact=address,
                                  email_bounced_at__isnull=True).update(email_bounced_at=now):
            accounts_changed()
        activity_log(customer=message.customer, kind=Activity.Kind.SYSTEM, contact=message.contact,
                     subject=f"Complaint: {message.subject}",
                     notes=f"{address} reported our email as unwanted ({detail or 'abuse'}); no more mail goes to "
                           "this address.", occurred_at=now)
        queue_task_raise(customer=message.customer, kind=QueueTask.Kind.ADDRESS_SUPPRESSED,
                         key=f"suppressed:{message.customer_id}:{address.strip().lower()}",
                         title=f"Address bounced: find another contact ({address})"[:200],
                         detail=f"{address} reported “{message.subject}” as unwanted. Find another contact.")
    return message


def arf_process(*, raw: bytes) -> OutboundMessage | None:
    """Record the complaint an abuse report (ARF, message/feedback-report) carries."""
    complaint = complaint_from_arf(raw)
    if complaint is None:
        return None
    return complaint_record(message_id=complaint.message_id, recipient=complaint.recipient,
                            detail=complaint.feedback_type)


@dataclass(frozen=True)
class Bounce:
    message_id: str
    recipient: str
    status: str
    reason: str


def bounces_from_dsn(raw: bytes) -> list[Bounce]:
    """Read an SMTP delivery status notification (RFC 3464, multipart/report): one Bounce per
    failed recipient, with the Message-ID of our original message."""
    report = email.message_from_bytes(raw, policy=email.policy.default)
    if report.get_content_type() != "multipart/report":
        return []
    original_id, recipients = "", []
    for part in report.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            for block in part.get_payload():
                if block.get("Action", "").strip().lower() == "failed":
                    recipient = block.get("Final-Recipient") or block.get("Original-Recipient") or ""
                    recipients.append((recipient.split(";", 1)[-1].strip(), block.get("Status", "").strip(),
                                       " ".join(str(block.get("Diagnostic-Code", "")).split())))
        elif ctype in ("message/rfc822", "text/rfc822-headers") and not original_id:
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) else email.message_from_string(
                payload if isinstance(payload, str) else part.get_content(), policy=email.policy.default)
            original_id = str(inner.get("Message-ID", "")).strip()
    return [Bounce(original_id, recipient, status, reason) for recipient, status, reason in recipients]


def dsn_process(*, raw: bytes) -> list[OutboundMessage]:
    """Record every bounce a delivery status notification reports."""
    found = [bounce_record(message_id=b.message_id, recipient=b.recipient, reason=f"{b.status} {b.reason}".strip(),
                           status=b.status)
             for b in bounces_from_dsn(raw)]
    return [m for m in found if m is not None]


def invoices_not_opened_raise(*, as_of: date | None = None, days: int = NOT_OPENED_DAYS) -> int:
    """An invoice that was sent but not opened `days` before its due date is a delivery problem
    for the collector. Looks at every invoice whose due date is at most `days` away (and not yet
    past), so a missed day loses nothing; the task key makes it once per invoice."""
    as_of = as_of or timezone.localdate()
    invoices = Invoice.objects.filter(
        status=Invoice.Status.OPEN, sent_at__isnull=False, opened_at__isnull=True,
        due_date__gte=as_of, due_date__lte=as_of + timedelta(days=days),
    ).select_related("customer")
    invoices = list(invoices)
    existing = set(QueueTask.objects.filter(key__in=[f"not_opened:{i.pk}" for i in invoices])
                   .values_list("key", flat=True))
    raised = 0
    for invoice in invoices:
        if f"not_opened:{invoice.pk}" in existing:
            continue
        queue_task_raise(
            customer=invoice.customer, kind=QueueTask.Kind.NOT_OPENED,
            title=f"Invoice {invoice.external_id} not opened, due {date_format(invoice.due_date)}",
            detail="The email listing this invoice was sent but never opened; check the address or call.",
            due_on=as_of, key=f"not_opened:{invoice.pk}",
        )
        raised += 1
    return raised
