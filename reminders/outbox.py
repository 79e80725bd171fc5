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
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape, linebreaks

from ledger.models import Customer, Invoice
from reminders import rendering
from reminders.deliverability import (
    WRITTEN_BY_A_PERSON,
    dkim_configured,
    dkim_header,
    suppressed_task_raise,
    suppression_for,
)
from reminders.eligibility import account_not_reminded, invoices_still_reminded
from reminders.models import Branding, InvoiceStepSent, OutboundMessage
from reminders.reply_address import reply_address_for
from reminders.windows import window_next
from work.models import Activity, QueueTask
from work.services import activity_log, queue_task_raise

log = logging.getLogger(__name__)

# The lease outlives the send task's hard time limit (reminders.tasks.SEND_LIMITS), so a live
# worker never loses a row to the sweep; both stay below the broker's visibility timeout.
LEASE_SECONDS = getattr(settings, "REMINDERS_OUTBOX_LEASE_SECONDS", 900)
MAX_ATTEMPTS = getattr(settings, "REMINDERS_OUTBOX_MAX_ATTEMPTS", 5)
SEND_BATCH = 20
REDISPATCH_AFTER = timedelta(minutes=15)
# Automatic mail that waits for the recipient's sending window (reminders.windows); a receipt, a
# copy asked for and a collector's own email go at once.
WINDOWED_KINDS = frozenset({OutboundMessage.Kind.DUNNING, OutboundMessage.Kind.PLAN, OutboundMessage.Kind.STATEMENT,
                            OutboundMessage.Kind.AUTOPAY})


def not_before_for(customer: Customer, kind: str, at=None):
    """When a new message of this kind may leave: the next moment inside the customer's window
    (None for the kinds that go at once)."""
    return window_next(customer, at or timezone.now()) if kind in WINDOWED_KINDS else None


def _due(now) -> Q:
    return Q(not_before__isnull=True) | Q(not_before__lte=now)


def messages_dispatch(message_ids) -> None:
    """Hand the sends to the workers in batches (called after the rows are committed). A batch
    costs one broker round trip; the rows are still claimed and sent one by one."""
    ids = list(message_ids)
    if not ids:
        return
    now = timezone.now()
    # A row outside its window is not handed out: the sweep picks it once its time has come.
    ids = list(OutboundMessage.objects.filter(_due(now), pk__in=ids).values_list("pk", flat=True))
    if not ids:
        return
    OutboundMessage.objects.filter(pk__in=ids).update(dispatched_at=now)
    for start in range(0, len(ids), SEND_BATCH):
        messages_send_task.delay(ids[start:start + SEND_BATCH])


def _claim(pk: int) -> OutboundMessage | None:
    now = timezone.now()
    with transaction.atomic():
        row = OutboundMessage.objects.select_for_update(skip_locked=True).filter(
            _due(now), pk=pk, status=OutboundMessage.Status.QUEUED).first()
        if row is None:
            return None
        if row.kind in WINDOWED_KINDS and getattr(settings, "SEND_WINDOW_ENABLED", True):  # it may have closed
            opens = window_next(Customer.objects.only("country", "time_zone").get(pk=row.customer_id), now)
            if opens > now:  # since it was queued: it waits for the next opening
                OutboundMessage.objects.filter(pk=pk, status=OutboundMessage.Status.QUEUED).update(
                    not_before=opens, dispatched_at=None)
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
        lines = rendering.lines_for(still, on)  # with their ids: the Pay link names exactly these
        ctx = rendering.context_for(customer=customer, contact=message.contact, lines=lines, key=message.key)
        made = rendering.render_message(message.step.template, ctx)  # both parts, in the recipient's language
        message.subject, message.body, message.html_body, message.language = (
            made.subject, made.body, made.html_body, made.language)
        message.invoices.set(still)
        OutboundMessage.objects.filter(pk=message.pk).update(subject=message.subject, body=message.body,
                                                             html_body=message.html_body, language=message.language)
    return ""


class SignedEmail(EmailMultiAlternatives):
    """Signed with DKIM (settings DKIM_PRIVATE_KEY, DKIM_SELECTOR, DKIM_DOMAIN) when a key is
    configured: the signature covers the message exactly as it is serialized for sending."""

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        if dkim_configured():
            name, value = dkim_header(msg.as_bytes(linesep="\r\n"))
            msg[name] = value
        return msg


def _headers(message: OutboundMessage) -> dict[str, str]:
    headers = {"Message-ID": message.provider_message_id, "Date": formatdate(localtime=True),
               "X-Workbench-Key": message.key}
    if message.kind not in WRITTEN_BY_A_PERSON:  # RFC 3834: no auto-reply to our automatic mail
        headers["Auto-Submitted"] = "auto-generated"
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if message.references or message.in_reply_to:
        headers["References"] = " ".join((message.references or message.in_reply_to).split())
    return headers


def _reply_to(message: OutboundMessage) -> list[str]:
    """Where the customer's answer goes: the account's own address (matched to it in the inbox) when
    INBOX_SET_REPLY_TO is on, else the branding's reply-to address, else the sender."""
    if settings.INBOX_SET_REPLY_TO:
        return [reply_address_for(message.customer_id)]
    branding = Branding.current()
    return [branding.reply_to_email] if branding.reply_to_email else []


def _email(message: OutboundMessage) -> EmailMultiAlternatives:
    email = SignedEmail(
        subject=message.subject, body=message.body, from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email], headers=_headers(message), reply_to=_reply_to(message),
    )
    if message.html_body:  # rendered with its open pixel already
        email.attach_alternative(message.html_body, "text/html")
    else:
        pixel = rendering.open_pixel_url(message.key)
        email.attach_alternative(
            f"{linebreaks(escape(message.body))}<img src=\"{pixel}\" width=\"1\" height=\"1\" alt=\"\">",
            "text/html")
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
        try:
            reason = _recheck_dunning(message)
        except rendering.MessageRenderError as exc:
            return _settle(message, attempt, OutboundMessage.Status.FAILED,
                           f"Not sent: the template could not be filled in again: {exc}")
        if reason:
            return _settle(message, attempt, OutboundMessage.Status.CANCELLED, f"Not sent: {reason}.")
    suppression = suppression_for(message.to_email)
    if suppression is not None:
        return _suppressed(message, attempt, suppression)
    message.provider_message_id = message.provider_message_id or OutboundMessage.message_id_for(message.key)
    OutboundMessage.objects.filter(pk=message.pk).update(provider_message_id=message.provider_message_id)
    try:
        _email(message).send(fail_silently=False)
    except BadHeaderError as exc:  # the message itself is wrong (a line break in the subject): no retry helps
        return _settle(message, attempt, OutboundMessage.Status.FAILED, f"Not sent: {exc}")
    except Exception as exc:  # noqa: BLE001 - any transport failure goes back to the queue or fails
        status = OutboundMessage.Status.FAILED if attempt >= MAX_ATTEMPTS else OutboundMessage.Status.QUEUED
        log.warning("outbox: message %s attempt %s failed: %s", message.pk, attempt, exc)
        # back in the queue: the sweep hands it to a worker again in a few minutes
        return _settle(message, attempt, status, f"Attempt {attempt}: {exc}")
    _record_sent(message, attempt)
    return message


def _suppressed(message: OutboundMessage, attempt: int, suppression) -> OutboundMessage:
    """The address is on the suppression list: the message fails with the reason, the collector is
    asked for another contact, and a reminder's steps are forgotten so the next pass sends them to
    that contact (or hands them over when there is none)."""
    with transaction.atomic():
        InvoiceStepSent.objects.filter(message=message).delete()
        suppressed_task_raise(message, suppression)
        return _settle(message, attempt, OutboundMessage.Status.FAILED,
                       f"Not sent: address suppressed: {suppression.address} "
                       f"({suppression.get_reason_display().lower()}).")


def _settle(message: OutboundMessage, attempt: int, status: str, error: str) -> OutboundMessage:
    """The claimed row leaves "sending" (only if this attempt still owns it); the object says so too."""
    if OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.SENDING, attempts=attempt) \
            .update(status=status, error=error, lease_until=None):
        message.status, message.error, message.lease_until = status, error, None
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
        message.status, message.sent_at, message.lease_until, message.error = \
            OutboundMessage.Status.SENT, now, None, ""
        invoices = list(message.invoices.all())
        Invoice.objects.filter(pk__in=[i.pk for i in invoices], sent_at__isnull=True).update(sent_at=now)
        activity_log(
            customer=message.customer, kind=Activity.Kind.EMAIL, contact=message.contact, invoices=invoices,
            subject=message.subject, notes=f"{message.get_kind_display()} sent to {message.to_email}.",
            occurred_at=now, by=message.created_by, message_id=message.provider_message_id,
            in_reply_to=message.in_reply_to,
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
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - redispatch_after), _due(now),
        status=OutboundMessage.Status.QUEUED,
    ).values_list("pk", flat=True)[:5000])
    messages_dispatch(stale)
    return {"requeued": requeued, "failed": failed, "dispatched": len(stale)}


def message_queue(
    *, customer: Customer, kind: str, key: str, contact, subject: str, body: str, invoices=(), by=None,
    attachment: tuple[str, bytes] | None = None, dispatch: bool = True,
    html_body: str = "", language: str = "",  # --- html ---
) -> tuple[OutboundMessage, bool]:
    """Put a message in the outbox (a manual email, a statement, an invoice copy); the same key
    never makes a second message. Sent by a worker once the row is committed. A subject is one
    line (an email header cannot hold a line break): SubjectError otherwise, nothing is queued."""
    subject_check(subject)
    with transaction.atomic():
        message, created = OutboundMessage.objects.get_or_create(key=key, defaults={
            "customer": customer, "kind": kind, "contact": contact, "to_email": contact.email,
            "subject": subject, "body": body, "created_by": by,
            "html_body": html_body, "language": language,  # --- html ---
            # --- windows ---
            "not_before": not_before_for(customer, kind),
            # --- end windows ---
        })
        if not created and message_render_failed(message):  # its template failed before and renders now
            message.status, message.subject, message.body, message.error = (
                OutboundMessage.Status.QUEUED, subject, body, "")
            message.html_body, message.language = html_body, language  # --- html ---
            message.save(update_fields=["status", "subject", "body", "error", "html_body", "language"])
            created = True
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


class SubjectError(ValueError):
    """A subject that cannot be sent as it is."""


def subject_check(subject: str) -> str:
    if "\n" in subject or "\r" in subject:
        raise SubjectError("A subject is one line: remove the line break.")
    if not subject.strip():
        raise SubjectError("A message needs a subject.")
    return subject


def message_render_failed(message: OutboundMessage) -> bool:
    """A message that failed before any send attempt: its template could not be filled in."""
    return message.status == OutboundMessage.Status.FAILED and message.attempts == 0


def message_failed(
    *, customer: Customer, kind: str, key: str, contact, subject: str, error: Exception, template=None,
    invoices=(), step=None, run=None, detail: str = "",
) -> OutboundMessage:
    """A message that could not be made (its template fails for this account): recorded as failed
    with the reason, visible in the outbox, and a task tells the account's collector that it did
    not go; the pass that wanted it goes on. The same key made again later (the template fixed)
    sends it."""
    named = f"the template “{template.name}”" if template is not None else "the template"
    why = (f"Not sent: {named} could not be filled in for this account. {error}"
           if isinstance(error, rendering.MessageRenderError)
           else f"Not sent: the message could not be made for this account ({type(error).__name__}: {error}).")
    with transaction.atomic():
        message, created = OutboundMessage.objects.get_or_create(key=key, defaults={
            "customer": customer, "kind": kind, "step": step, "run": run, "contact": contact,
            "to_email": getattr(contact, "email", ""), "subject": " ".join(subject.split())[:250], "body": "",
            "status": OutboundMessage.Status.FAILED, "error": why,
        })
        if created:
            message.invoices.set(list(invoices))
        elif message_render_failed(message):
            OutboundMessage.objects.filter(pk=message.pk).update(error=why, run=run)
        queue_task_raise(
            customer=customer, kind=QueueTask.Kind.DUNNING_STEP, key=f"{key}:failed",
            title=f"Not sent, template error: {message.subject}"[:200],
            detail=f"{why}\n\nA manager corrects the template (Policies & templates); the next pass sends the "
                   f"message. Until then, contact the customer yourself.\n\n{detail}".strip(),
        )
    log.warning("outbox: %s for customer %s not made: %s", key, customer.pk, error)
    return message


@shared_task(name="reminders.tasks.messages_send_task", acks_late=True, soft_time_limit=540, time_limit=600)
def messages_send_task(message_ids: list[int]) -> int:
    sent = 0
    for pk in message_ids:
        message = message_send(message_id=pk)
        sent += bool(message and message.status == message.Status.SENT)
    return sent
