"""What happens when a customer acts in the portal.

Each action is recorded where the team works: the dispute or promise itself (source "portal"), an
activity of kind "portal_visit" on the account timeline, and a task in the collector's queue. The
portal never moves money: a request to apply a credit is a request, the collector applies it.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from ledger.models import CreditNote, Customer, Invoice
from portal.models import PortalAccess, PortalFeedback, PortalRequest
from work.models import Activity, Dispute, PromiseToPay, QueueTask
from work.queue.services import queue_customer_acted
from work.services import activity_log, dispute_open, promise_record, queue_task_raise

# A customer clicking around for half an hour is one visit on the timeline, not twenty.
VISIT_WINDOW = timedelta(minutes=30)


def _invoice_list(invoices: Iterable[Invoice]) -> str:
    return ", ".join(inv.external_id for inv in invoices)


def portal_access_revoke(*, customer: Customer, by: User | None = None, reason: str = "") -> PortalAccess:
    """Revoking a customer's portal access kills every link sent to them so far; links issued
    afterwards work again."""
    with transaction.atomic():
        access, _ = PortalAccess.objects.select_for_update().get_or_create(customer=customer)
        access.version += 1
        access.revoked_at, access.revoked_by, access.revoke_reason = timezone.now(), by, reason
        access.save(update_fields=["version", "revoked_at", "revoked_by", "revoke_reason"])
    return access


def portal_visit_log(*, customer: Customer, family: bool = False) -> Activity | None:
    """A customer opening the portal is a touch on the account: it lands on the timeline once per
    half hour of browsing."""
    now = timezone.now()
    with transaction.atomic():
        PortalAccess.objects.get_or_create(customer=customer)
        updated = PortalAccess.objects.filter(customer=customer).exclude(last_visit_at__gt=now - VISIT_WINDOW)
        if not updated.update(last_visit_at=now):
            PortalAccess.objects.filter(customer=customer).update(last_visit_at=now)
            return None
        subject = "Opened the customer portal" + (" (account family)" if family else "")
        return activity_log(customer=customer, kind=Activity.Kind.PORTAL_VISIT, subject=subject, occurred_at=now)


def portal_dispute_open(
    *, invoice: Invoice, root_cause: str, message: str, amount: Decimal | None = None
) -> Dispute:
    """The customer disputes an invoice: it gets no reminder while the dispute is open, and the
    collector finds it in the queue today to route it to sales, operations or billing."""
    customer = invoice.customer
    amount = amount if amount is not None else invoice.open_amount
    with transaction.atomic():
        dispute = dispute_open(
            customer=customer, invoices=[invoice], amount=amount, root_cause=root_cause,
            description=message, source="portal",
        )
        activity_log(
            customer=customer, kind=Activity.Kind.PORTAL_VISIT, outcome=Activity.Outcome.DISPUTED,
            invoices=[invoice], subject=f"Disputed invoice {invoice.external_id} in the portal", notes=message,
        )
        queue_task_raise(
            customer=customer, kind=QueueTask.Kind.PORTAL_DISPUTE, key=f"portal:dispute:{dispute.pk}",
            title=f"Portal dispute on {invoice.external_id}: {dispute.get_root_cause_display()} ({amount})",
            detail=message,
        )
        queue_customer_acted(customer=customer, kind="dispute",
                             detail=f"{invoice.external_id}, {dispute.get_root_cause_display()} ({amount})")
    return dispute


def portal_promise_record(
    *, customer: Customer, amount: Decimal, pay_by: date, invoices: Iterable[Invoice], note: str = "",
) -> PromiseToPay:
    """The customer promises to pay named invoices by a date: dunning pauses on them until then,
    and the collector sees the promise in the queue to confirm it."""
    invoices = list(invoices)
    with transaction.atomic():
        activity = activity_log(
            customer=customer, kind=Activity.Kind.PORTAL_VISIT, outcome=Activity.Outcome.PROMISED,
            invoices=invoices, subject=f"Promised {amount} by {date_format(pay_by)} in the portal", notes=note,
        )
        promise = promise_record(
            customer=customer, amount=amount, pay_by=pay_by, invoices=invoices, source=PromiseToPay.Source.PORTAL,
            note=note, activity=activity,
        )
        queue_task_raise(
            customer=customer, kind=QueueTask.Kind.PORTAL_PROMISE, key=f"portal:promise:{promise.pk}",
            title=f"Portal promise: {amount} by {date_format(pay_by)} for {_invoice_list(invoices)}", detail=note,
        )
        queue_customer_acted(customer=customer, kind="promise", detail=f"{amount} by {date_format(pay_by)}")
    return promise


def portal_request_record(
    *, customer: Customer, kind: str, message: str = "", credit_note: CreditNote | None = None,
    invoices: Iterable[Invoice] = (),
    amount: Decimal | None = None, contact_name: str = "", email: str = "",
) -> PortalRequest:
    """The customer asks for something only the collector can do (apply a credit, set up autopay,
    change the AP contact): it is recorded, put on the timeline and in the queue; nothing else
    changes until the collector acts."""
    invoices = list(invoices)
    with transaction.atomic():
        request = PortalRequest.objects.create(
            customer=customer, kind=kind, message=message, credit_note=credit_note, amount=amount,
            contact_name=contact_name, email=email,
        )
        if invoices:
            request.invoices.set(invoices)
        title = request.get_kind_display()
        if kind == PortalRequest.Kind.APPLY_CREDIT:
            assert credit_note is not None, "a request to apply a credit names the credit note"
            title = f"Apply credit {credit_note.external_id} ({amount}) to {_invoice_list(invoices)}"
        elif kind == PortalRequest.Kind.AP_CONTACT:
            title = f"New AP contact: {contact_name} <{email}>"
        elif kind == PortalRequest.Kind.AUTOPAY:
            title = f"Set up autopay (contact {email})" if email else title
        activity_log(
            customer=customer, kind=Activity.Kind.PORTAL_VISIT, invoices=invoices,
            subject=f"Portal request: {title}", notes=message,
        )
        request.queue_task = queue_task_raise(
            customer=customer, kind=QueueTask.Kind.PORTAL_REQUEST, key=f"portal:request:{request.pk}",
            title=f"Portal request: {title}"[:200], detail=message,
        )
        request.save(update_fields=["queue_task"])
        queue_customer_acted(customer=customer, kind="request", detail=title)
    return request


def portal_feedback_record(*, customer: Customer, score: int, comment: str = "") -> PortalFeedback:
    """The customer rates the collections experience; the collector sees it in the queue (a low
    score is worth a call) and on the timeline."""
    with transaction.atomic():
        feedback = PortalFeedback.objects.create(customer=customer, score=score, comment=comment)
        activity_log(
            customer=customer, kind=Activity.Kind.PORTAL_VISIT, subject=f"Portal feedback: {score}/5", notes=comment,
        )
        queue_task_raise(
            customer=customer, kind=QueueTask.Kind.PORTAL_REQUEST, key=f"portal:feedback:{feedback.pk}",
            title=f"Portal feedback: {score}/5", detail=comment,
        )
        queue_customer_acted(customer=customer, kind="feedback", detail=f"{score}/5")
    return feedback
