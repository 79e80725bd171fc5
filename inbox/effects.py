"""What a customer's email does once it is classified, through the work and reminders services.

- A bounce (a delivery status notification) goes to the bounce flow (`reminders.tracking.dsn_process`:
  the address is marked, the collector gets its task); an automatic reply is recorded. Neither wakes
  anybody: no task, no queue, no pause.
- A reply from a person on a matched account lands on the account's timeline (an email activity that
  names the message it answers), raises one task ("says it is paid" or "customer replied", with the
  phrase that decided it), puts the account at the top of today's queue at once (the portal's
  mechanism, `queue_customer_acted`), and, through that task, pauses the account's automatic
  reminders for INBOX_REPLY_PAUSE_DAYS (`reminders.eligibility`).
- Mail nobody could match waits in the AR inbox; assigning it to an account learns the sender as a
  contact of that account and then runs the effects above.
"""

import logging

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from inbox.dates import dates_in
from inbox.models import InboundEmail
from ledger.models import Contact, Customer
from reminders.tracking import dsn_process
from work.models import Activity, Dispute, QueueTask
from work.queue.services import queue_customer_acted
from work.services import activity_log, queue_task_raise

log = logging.getLogger(__name__)

C = InboundEmail.Classification
HUMAN = (C.PAID, C.PROMISE, C.DISPUTE, C.REPLIED)
RECORDED_ONLY = (C.AUTO_REPLY, C.BOUNCE)
TITLES: dict[str, str] = {
    C.PAID: "Says it is paid: check the cash",
    C.PROMISE: "Proposes a promise to pay{date}: confirm it",
    C.DISPUTE: "Disputes{cause}: open the dispute",
    C.REPLIED: "Customer replied by email",
}


def task_key(email: InboundEmail) -> str:
    """The one task an email raises (raising it again is a no-op)."""
    return f"inbox:{email.pk}"


def _title(email: InboundEmail) -> str:
    when = f" by {date_format(email.proposed_promise_date)}" if email.proposed_promise_date else ""
    cause = ""
    if email.proposed_root_cause:
        label = dict(Dispute.RootCause.choices).get(email.proposed_root_cause, email.proposed_root_cause)
        cause = f" ({label.lower()})"
    return TITLES.get(email.classification, TITLES[C.REPLIED]).format(date=when, cause=cause)


def reply_said(email: InboundEmail) -> str:
    """What the customer wrote, in a few words for the queue's next action: the kind of reply
    inbox/classify found with the phrase that decided it, and what came attached ("says it is paid:
    “paid on 12 Nov”, remittance.pdf attached")."""
    phrase = email.classification_reason.split(": ", 1)[1] if ": " in email.classification_reason else ""
    if email.classification == C.PAID:
        received = timezone.localdate(email.received_at)
        paid_on = next((d.on for d in dates_in(email.reply_text or email.text, received) if d.on <= received), None)
        said = "says it is paid" + (f" on {date_format(paid_on, 'j M Y')}" if paid_on else "")
        said += f": {phrase}" if phrase else ""
    elif email.classification == C.PROMISE and email.proposed_promise_date:
        said = f"promises to pay by {date_format(email.proposed_promise_date, 'j M Y')}"
    elif email.classification == C.DISPUTE:
        label = dict(Dispute.RootCause.choices).get(email.proposed_root_cause, "")
        said = f"disputes ({label.lower()})" if label else "disputes"
        said += f": {phrase}" if phrase else ""
    else:
        words = " ".join((email.reply_text or email.text).split())
        said = f"“{words[:100]}{'…' if len(words) > 100 else ''}”" if words else email.subject
    names = [a.filename or "a file" for a in email.attachments.all()]
    if names:
        said += f", {', '.join(names[:3])}{' …' if len(names) > 3 else ''} attached"
    return said


def _raw(email: InboundEmail) -> bytes:
    if not email.raw:
        return b""
    with email.raw.open("rb") as f:
        return f.read()


def _bounce(email: InboundEmail) -> None:
    """The report goes to the bounce flow; one it cannot read is logged and kept (never lost)."""
    raw = _raw(email)
    if not raw:
        return
    try:
        with transaction.atomic():
            dsn_process(raw=raw)
    except Exception:  # noqa: BLE001 - a malformed report must not stop the message being stored
        log.exception("inbox: the delivery report in email %s could not be read", email.pk)


def _answered(email: InboundEmail) -> str:
    message = email.answers
    if message is None:
        return ""
    when = date_format(timezone.localtime(message.sent_at or message.created_at), "j M Y")
    return f"In reply to “{message.subject}” ({message.get_kind_display().lower()}, {when}). "


def _human(email: InboundEmail) -> None:
    """Timeline, task, today's queue. Once per email: the task key says it was done."""
    key = task_key(email)
    if QueueTask.objects.filter(key=key).exists():
        return
    customer = email.customer
    assert customer is not None
    title = _title(email)
    invoices = list(email.answers.invoices.all()) if email.answers is not None else []
    who = email.from_name or email.from_address
    excerpt = " ".join((email.reply_text or email.text).split())[:600]
    activity_log(
        customer=customer, kind=Activity.Kind.EMAIL, contact=email.contact, invoices=invoices,
        subject=f"Email from {who}: {email.subject}"[:200],
        notes=f"{_answered(email)}{email.classification_reason}.\n{excerpt}".strip(),
        occurred_at=email.received_at, message_id=email.message_id,
        in_reply_to=email.answers.provider_message_id if email.answers is not None else email.in_reply_to,
    )
    kind = QueueTask.Kind.SAYS_PAID if email.classification == C.PAID else QueueTask.Kind.CUSTOMER_REPLIED
    queue_task_raise(customer=customer, kind=kind, title=f"{title}: {email.subject}"[:200],
                     detail=email.classification_reason, key=key)
    queue_customer_acted(customer=customer, kind="email", detail=f"{title} ({who})", said=reply_said(email))


def inbound_received(email: InboundEmail) -> None:
    """Run what a stored, classified email does (see the module's docstring). Safe to call twice."""
    with transaction.atomic():
        if email.classification == C.BOUNCE:
            _bounce(email)
        if email.classification in RECORDED_ONLY:
            InboundEmail.objects.filter(pk=email.pk, status=InboundEmail.Status.NEW).update(
                status=InboundEmail.Status.DONE, handled_at=timezone.now())
            return
        if email.customer_id is None:
            return  # in the AR inbox until someone assigns it
        _human(email)


def contact_learn(*, customer: Customer, address: str, name: str = "") -> Contact:
    """The sender of an email assigned to an account becomes (or already is) one of its contacts."""
    address = address.strip()
    contact = Contact.objects.filter(customer=customer, email__iexact=address).order_by("-active", "pk").first()
    if contact is None:
        contact = Contact.objects.create(customer=customer, email=address, name=(name or address)[:120],
                                         role=Contact.Role.OTHER)
    return contact


def inbound_assign(email: InboundEmail, customer: Customer, by: User | None) -> InboundEmail:
    """One click in the AR inbox: the email is the account's, its sender is learned as a contact of
    the account (so their next mail matches by itself), then its effects run as if it had matched."""
    with transaction.atomic():
        email = InboundEmail.objects.select_for_update().get(pk=email.pk)
        if email.customer_id is not None:
            raise ValidationError(f"This email is already assigned to {email.customer}.")
        email.customer = customer
        email.contact = contact_learn(customer=customer, address=email.from_address, name=email.from_name) \
            if "@" in email.from_address else None
        email.matched_by = InboundEmail.MatchedBy.MANUAL
        email.assigned_by = by
        email.status = InboundEmail.Status.ASSIGNED
        email.save(update_fields=["customer", "contact", "matched_by", "assigned_by", "status"])
        inbound_received(email)
    log.info("inbox: email %s assigned to customer %s", email.pk, customer.pk)
    return email
