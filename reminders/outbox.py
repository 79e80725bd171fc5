"""The outbox: every message is a row before it is sent, and a row is sent at most once.

Claiming: a send task moves its row from "queued" to "sending" with a conditional UPDATE (after
`select_for_update(skip_locked=True)` on PostgreSQL), so a retried task or a second worker finds
nothing to do. The claim carries a lease (longer than the task's hard time limit); the row is
marked sent only by the attempt that claimed it. A worker killed between the claim and "sent"
leaves the row "sending": once the lease has expired the sweep puts it back in the queue and it is
sent again with the same deterministic Message-ID, so the one case SMTP cannot tell us about (the
server accepted the mail but we died before recording it) reaches the recipient as the same
message, which mail systems deduplicate by Message-ID.
"""

import logging
from datetime import timedelta
from email.utils import formatdate

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape, linebreaks

from ledger.models import Customer, Invoice
from reminders import rendering
from reminders.eligibility import account_not_reminded, invoices_still_reminded
from reminders.models import InvoiceStepSent, OutboundMessage
from work.models import Activity
from work.services import activity_log

log = logging.getLogger(__name__)

# The lease outlives the send task's hard time limit (reminders.tasks.SEND_LIMITS), so a live
# worker never loses a row to the sweep; both stay below the broker's visibility timeout.
LEASE_SECONDS = getattr(settings, "REMINDERS_OUTBOX_LEASE_SECONDS", 900)
MAX_ATTEMPTS = getattr(settings, "REMINDERS_OUTBOX_MAX_ATTEMPTS", 5)
SEND_BATCH = 20
REDISPATCH_AFTER = timedelta(minutes=15)


def messages_dispatch(message_ids) -> None:
    """Hand the sends to the workers in batches (called after the rows are committed). A batch
    costs one broker round trip; the rows are still claimed and sent one by one."""
    ids = list(message_ids)
    if not ids:
        return
    OutboundMessage.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())
    for start in range(0, len(ids), SEND_BATCH):
        messages_send_task.delay(ids[start:start + SEND_BATCH])


def _claim(pk: int) -> OutboundMessage | None:
    now = timezone.now()
    with transaction.atomic():
        row = OutboundMessage.objects.select_for_update(skip_locked=True).filter(
            pk=pk, status=OutboundMessage.Status.QUEUED).first()
        if row is None:
            return None
        claimed = OutboundMessage.objects.filter(pk=pk, status=OutboundMessage.Status.QUEUED, attempts=row.attempts) \
            .update(status=OutboundMessage.Status.SENDING, attempts=row.attempts + 1,
                    lease_until=now + timedelta(seconds=LEASE_SECONDS))
    if claimed != 1:
        return None
    return OutboundMessage.objects.select_related("customer", "contact", "step__template").get(pk=pk)


def _recheck_dunning(message: OutboundMessage) -> str:
    """Re-check a reminder at the moment of sending: the account may have gone on hold, and each
    invoice may have been paid, disputed or promised since the run. Returns why it must not go."""
    customer = message.customer
    why_not = account_not_reminded(customer)
    if why_not:
        return why_not
    listed = list(message.invoices.all())
    still = invoices_still_reminded(listed)
    dropped = [i for i in listed if i not in still]
    if dropped:
        # The step was not sent for these: forget it, so it can come back if the block lifts.
        InvoiceStepSent.objects.filter(message=message, invoice__in=dropped).delete()
    if not still:
        return "every invoice was paid, disputed or promised before sending"
    if dropped:
        on = message.created_at.date()
        lines = [rendering.Line(i.external_id, i.due_date, i.open_amount, i.currency, (on - i.due_date).days)
                 for i in sorted(still, key=lambda i: (i.due_date, i.external_id))]
        ctx = rendering.context_for(customer=customer, contact=message.contact, lines=lines, key=message.key)
        message.subject, message.body = rendering.render(message.step.template, ctx)
        message.invoices.set(still)
        OutboundMessage.objects.filter(pk=message.pk).update(subject=message.subject, body=message.body)
    return ""


def _email(message: OutboundMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body, from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        headers={"Message-ID": message.provider_message_id, "Date": formatdate(localtime=True),
                 "X-Workbench-Key": message.key},
    )
    pixel = rendering.open_pixel_url(message.key)
    email.attach_alternative(
        f"{linebreaks(escape(message.body))}<img src=\"{pixel}\" width=\"1\" height=\"1\" alt=\"\">", "text/html"
    )
    if message.attachment:
        with message.attachment.open("rb") as f:
            email.attach(message.attachment_name or message.attachment.name.rsplit("/", 1)[-1], f.read(),
                         "application/pdf")
    return email


def message_send(*, message_id: int) -> OutboundMessage | None:
    """Send one queued message, exactly once: claim it, re-check a reminder, send it with its
    Message-ID, record it as sent and put it on the account's timeline."""
    message = _claim(message_id)
    if message is None:
        return None
    attempt = message.attempts
    if message.kind == OutboundMessage.Kind.DUNNING:
        reason = _recheck_dunning(message)
        if reason:
            OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.SENDING, attempts=attempt) \
                .update(status=OutboundMessage.Status.CANCELLED, error=f"Not sent: {reason}.", lease_until=None)
            return message
    message.provider_message_id = message.provider_message_id or OutboundMessage.message_id_for(message.key)
    OutboundMessage.objects.filter(pk=message.pk).update(provider_message_id=message.provider_message_id)
    try:
        _email(message).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any transport failure goes back to the queue or fails
        status = OutboundMessage.Status.FAILED if attempt >= MAX_ATTEMPTS else OutboundMessage.Status.QUEUED
        OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.SENDING, attempts=attempt) \
            .update(status=status, error=f"Attempt {attempt}: {exc}", lease_until=None)
        log.warning("outbox: message %s attempt %s failed: %s", message.pk, attempt, exc)
        return message  # back in the queue: the sweep hands it to a worker again in a few minutes
    _record_sent(message, attempt)
    return message


def _record_sent(message: OutboundMessage, attempt: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        marked = OutboundMessage.objects.filter(
            pk=message.pk, status=OutboundMessage.Status.SENDING, attempts=attempt
        ).update(status=OutboundMessage.Status.SENT, sent_at=now, lease_until=None, error="")
        if marked != 1:
            log.warning("outbox: message %s was re-claimed while attempt %s was sending", message.pk, attempt)
            return
        invoices = list(message.invoices.all())
        Invoice.objects.filter(pk__in=[i.pk for i in invoices], sent_at__isnull=True).update(sent_at=now)
        activity_log(
            customer=message.customer, kind=Activity.Kind.EMAIL, contact=message.contact, invoices=invoices,
            subject=message.subject, notes=f"{message.get_kind_display()} sent to {message.to_email}.",
            occurred_at=now, by=message.created_by,
        )


def outbox_recover(*, now=None, redispatch_after: timedelta = REDISPATCH_AFTER) -> dict[str, int]:
    """Rows a dead worker left "sending" past their lease go back to the queue (they are not
    recorded as sent); rows still queued long after their batch was handed out (the batch died
    with its worker) are handed to a worker again. A duplicate hand-out is harmless: the claim
    lets only one send happen."""
    now = now or timezone.now()
    expired = OutboundMessage.objects.filter(status=OutboundMessage.Status.SENDING, lease_until__lt=now)
    failed = expired.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=OutboundMessage.Status.FAILED, lease_until=None, error="Gave up: the worker was lost on every attempt.")
    lost = list(expired.values_list("pk", flat=True))
    requeued = OutboundMessage.objects.filter(pk__in=lost, status=OutboundMessage.Status.SENDING,
                                              lease_until__lt=now).update(
        status=OutboundMessage.Status.QUEUED, lease_until=None, dispatched_at=None,
        error="The worker was lost while sending; sent again with the same Message-ID.",
    )
    stale = list(OutboundMessage.objects.filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - redispatch_after),
        status=OutboundMessage.Status.QUEUED,
    ).values_list("pk", flat=True)[:5000])
    messages_dispatch(stale)
    return {"requeued": requeued, "failed": failed, "dispatched": len(stale)}


def message_queue(
    *, customer: Customer, kind: str, key: str, contact, subject: str, body: str, invoices=(), by=None,
    attachment: tuple[str, bytes] | None = None, dispatch: bool = True,
) -> tuple[OutboundMessage, bool]:
    """Put a message in the outbox (a manual email, a statement, an invoice copy); the same key
    never makes a second message. Sent by a worker once the row is committed."""
    with transaction.atomic():
        message, created = OutboundMessage.objects.get_or_create(key=key, defaults={
            "customer": customer, "kind": kind, "contact": contact, "to_email": contact.email,
            "subject": subject, "body": body, "created_by": by,
        })
        if created:
            if invoices:
                message.invoices.set(invoices)
            if attachment:
                name, content = attachment
                message.attachment_name = name
                message.attachment.save(name, ContentFile(content), save=True)
            if dispatch:  # else the caller hands it out with others in one batch
                transaction.on_commit(lambda: messages_dispatch([message.pk]))
    return message, created


@shared_task(name="reminders.tasks.messages_send_task", acks_late=True, soft_time_limit=540, time_limit=600)
def messages_send_task(message_ids: list[int]) -> int:
    sent = 0
    for pk in message_ids:
        message = message_send(message_id=pk)
        sent += bool(message and message.status == message.Status.SENT)
    return sent
