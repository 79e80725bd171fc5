"""What a collector does with a customer's email: confirm the promise it proposes, open the dispute
it proposes, offer its remittance advice to cash application, answer it, or mark it handled. Each
goes through the existing service (promise and dispute bounds are work.services'), closes the task
the email raised and marks the email handled."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cashapp.models import RemittanceAdvice
from cashapp.services import remittance_add
from inbox.effects import contact_learn, task_key
from inbox.models import InboundAttachment, InboundEmail
from inbox.selectors import answered_invoices
from ledger.models import Customer, Invoice
from reminders.models import OutboundMessage
from reminders.outbox import message_queue
from work.models import Dispute, PromiseToPay, QueueTask
from work.services import dispute_open, promise_record


def _handled(email: InboundEmail, by: User | None) -> None:
    """The email is handled and the task it raised is done."""
    now = timezone.now()
    InboundEmail.objects.filter(pk=email.pk).update(status=InboundEmail.Status.DONE, handled_at=now)
    email.status, email.handled_at = InboundEmail.Status.DONE, now
    QueueTask.objects.filter(key=task_key(email), status=QueueTask.Status.OPEN).update(
        status=QueueTask.Status.DONE, done_at=now, by=by)


def _customer(email: InboundEmail) -> Customer:
    if email.customer is None:
        raise ValidationError("Assign the email to an account first.")
    return email.customer


def inbound_promise_confirm(*, email: InboundEmail, amount: Decimal, pay_by: date, by: User) -> PromiseToPay:
    """The collector confirms the promise the customer's email proposed: it is recorded like any
    promise (work.services.promise_record: at most what is open, within the horizon), on the invoices
    the answered message listed when it listed any."""
    customer = _customer(email)
    with transaction.atomic():
        promise = promise_record(customer=customer, amount=amount, pay_by=pay_by, invoices=answered_invoices(email),
                                 by=by, note=f"Proposed by email from {email.from_address}: "
                                             f"{email.classification_reason}"[:500])
        _handled(email, by)
    return promise


def inbound_dispute_open(*, email: InboundEmail, amount: Decimal, root_cause: str, by: User,
                         description: str = "") -> Dispute:
    """The collector opens the dispute the customer's email proposed, on the invoices the answered
    message listed (else the account's open invoices); bounds are work.services.dispute_open's."""
    customer = _customer(email)
    if root_cause not in Dispute.RootCause.values:
        raise ValidationError("Choose the dispute's root cause.")
    invoices = answered_invoices(email) or list(Invoice.objects.filter(customer=customer,
                                                                      status=Invoice.Status.OPEN))
    if not invoices:
        raise ValidationError("The account has no open invoice to dispute.")
    with transaction.atomic():
        dispute = dispute_open(customer=customer, invoices=invoices, amount=amount, root_cause=root_cause, by=by,
                               description=description or f"From an email by {email.from_address}: "
                                                          f"{email.classification_reason}", source="email")
        _handled(email, by)
    return dispute


def inbound_remittance_offer(*, attachment: InboundAttachment, by: User) -> RemittanceAdvice:
    """An attachment of a "paid" email goes to cash application as the account's remittance advice
    (cashapp.services.remittance_add reads its invoice numbers for the next receipts)."""
    email = attachment.email
    customer = _customer(email)
    if attachment.skipped or not attachment.file:
        raise ValidationError(f"{attachment.filename or 'The attachment'} was too large to keep; ask for it again.")
    with attachment.file.open("rb") as f:
        data = f.read()
    return remittance_add(data=data, filename=attachment.filename or "remittance", by=by, customer=customer)


def reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    return subject if subject.lower().startswith(("re:", "re :", "aw:", "sv:")) else f"Re: {subject}".strip()


def inbound_reply(*, email: InboundEmail, body: str, by: User, subject: str = "") -> OutboundMessage:
    """The collector answers the customer's email from the workspace: the answer goes through the
    outbox (kind "reply") to the sender, with In-Reply-To and References set so the customer's mail
    client threads it under their message; the email is then handled."""
    customer = _customer(email)
    if not body.strip():
        raise ValidationError("Write the answer before sending it.")
    with transaction.atomic():
        contact = email.contact or contact_learn(customer=customer, address=email.from_address, name=email.from_name)
        count = OutboundMessage.objects.filter(key__startswith=f"reply:{email.pk}:").count()
        message, _ = message_queue(
            customer=customer, kind=OutboundMessage.Kind.REPLY, key=f"reply:{email.pk}:{count + 1}", contact=contact,
            subject=reply_subject(subject or email.subject or "your email"), body=body, by=by)
        message.in_reply_to = email.message_id
        message.references = " ".join([*email.references.split(), email.message_id])[:20000]
        message.save(update_fields=["in_reply_to", "references"])
        if email.contact_id is None:
            InboundEmail.objects.filter(pk=email.pk).update(contact=contact)
            email.contact = contact
        _handled(email, by)
    return message


def inbound_done(*, email: InboundEmail, by: User) -> InboundEmail:
    """Nothing more to do with this email (read, or not for us): handled, its task closed."""
    with transaction.atomic():
        _handled(email, by)
    return email
