"""Reads of customers' mail shared by the AR inbox, the item page and the workspace panel."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from core.money import ZERO
from inbox.models import InboundEmail
from ledger.models import Customer, Invoice
from portfolios.access import customer_rows, sees_whole_book

INBOX_ROWS = 100
FILTERS = {
    "unmatched": "Unmatched",
    "matched": "Matched, to handle",
    "done": "Handled",
    "all": "All",
}


def visible(user: User) -> QuerySet[InboundEmail]:
    """The mail `user` may open: their accounts' and the unmatched mail (every worker's, as an
    unmatched bank receipt is)."""
    emails = InboundEmail.objects.all()
    if sees_whole_book(user):
        return emails
    return emails.filter(Q(customer__isnull=True) | customer_rows(user, "customer"))


def ar_inbox(user: User, show: str = "unmatched", q: str = "") -> QuerySet[InboundEmail]:
    """The AR inbox: unmatched mail waiting for an account (default), matched mail still to handle,
    handled mail, or all of it, newest first; `q` searches sender, subject and text."""
    emails = visible(user).select_related("customer", "answers").order_by("-received_at", "-pk")
    if show == "unmatched":
        emails = emails.filter(customer__isnull=True, status=InboundEmail.Status.NEW)
    elif show == "matched":
        emails = emails.filter(customer__isnull=False).exclude(status=InboundEmail.Status.DONE)
    elif show == "done":
        emails = emails.filter(status=InboundEmail.Status.DONE)
    if q:
        emails = emails.filter(Q(from_address__icontains=q) | Q(from_name__icontains=q) | Q(subject__icontains=q)
                               | Q(reply_text__icontains=q))
    return emails


def answered_invoices(email: InboundEmail) -> list[Invoice]:
    """The open invoices the message it answers listed (none when it answers nothing of ours)."""
    if email.answers_id is None:
        return []
    return list(Invoice.objects.filter(messages=email.answers_id, status=Invoice.Status.OPEN, open_amount__gt=0)
                .order_by("due_date", "pk"))


def proposed_amount(email: InboundEmail, invoices: list[Invoice] | None = None) -> Decimal:
    """What a proposed promise or dispute is for by default: the open balance of the invoices the
    answered message listed, else the account's past-due total."""
    invoices = answered_invoices(email) if invoices is None else invoices
    if invoices:
        return sum((i.open_amount for i in invoices), ZERO)
    if email.customer_id is None:
        return ZERO
    return Invoice.objects.filter(customer=email.customer_id, status=Invoice.Status.OPEN,
                                  due_date__lt=timezone.localdate()).aggregate(
        total=Sum("open_amount"))["total"] or ZERO


@dataclass(frozen=True)
class Thread:
    """Mail from the customer grouped under the message of ours it answers (None: answers nothing known)."""

    answers: object
    emails: list


def customer_threads(customer: Customer, limit: int = 10) -> list[Thread]:
    """The account's latest inbound mail, threaded under the messages they answer (one query)."""
    emails = list(InboundEmail.objects.filter(customer=customer).select_related("answers", "contact")
                  .prefetch_related("attachments").order_by("-received_at", "-pk")[:limit])
    threads: dict[int | None, Thread] = {}
    for email in emails:
        thread = threads.setdefault(email.answers_id, Thread(email.answers, []))
        thread.emails.append(email)
    return list(threads.values())
