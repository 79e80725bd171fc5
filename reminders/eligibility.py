"""What stops a reminder: the one rule, asked when the dunning run plans and again at send time.

An account is reminded while it is active and its reminders are not paused. An open invoice is
reminded unless it is under an open (or in-review) dispute, covered by an open promise to pay
whose date has not passed, in a payment plan on track, or on an online payment still clearing (a
bank transfer or direct debit: dunning resumes if it fails; once it succeeds the invoice is paid
and drops out by itself). At send time an invoice must also still be open with something left to
pay.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from autopay.selectors import autopay_covered
from ledger.models import Customer, Invoice
from payments.selectors import invoices_payment_pending
from reminders.models import CustomerDunningSettings
from work.discrepancies.selectors import confirmed_duplicate  # (dupes)
from work.models import PromiseToPay, QueueTask
from work.plans.models import PaymentPlan
from work.selectors import invoice_disputed

REMINDED_STATUSES = (Customer.Status.ACTIVE,)


def paused_customer_ids() -> set[int]:
    """Accounts whose collector paused their reminders."""
    paused = set(CustomerDunningSettings.objects.filter(paused=True).values_list("customer_id", flat=True))
    # --- reply ---
    paused |= set(replied_recently().values_list("customer_id", flat=True))
    # --- end reply ---
    return paused


# --- reply ---
def replied_recently(customer: Customer | None = None) -> QuerySet[QueueTask]:
    """A person at the account answered by email within INBOX_REPLY_PAUSE_DAYS (inbox.effects raises one
    "customer replied" / "says it is paid" task per human reply; automatic replies and bounces raise
    none): the collector answers now, so automatic reminders wait."""
    since = timezone.now() - timedelta(days=settings.INBOX_REPLY_PAUSE_DAYS)
    tasks = QueueTask.objects.filter(kind__in=[QueueTask.Kind.CUSTOMER_REPLIED, QueueTask.Kind.SAYS_PAID],
                                     created_at__gte=since)
    return tasks.filter(customer=customer) if customer is not None else tasks
# --- end reply ---


def account_not_reminded(customer: Customer) -> str:
    """Why this account gets no reminder at all ("" when it does)."""
    if customer.status not in REMINDED_STATUSES:
        return f"the account is {customer.get_status_display().lower()}"
    if CustomerDunningSettings.objects.filter(customer=customer, paused=True).exists():
        return "reminders are paused for the account"
    # --- reply ---
    if replied_recently(customer).exists():
        return f"the customer replied by email in the last {settings.INBOX_REPLY_PAUSE_DAYS} days"
    # --- end reply ---
    return ""


def invoices_blocked_from_dunning() -> QuerySet[Invoice]:
    """Open invoices that must get no reminder: under an open (or in-review) dispute, covered by
    an open promise to pay whose date has not passed, in a payment plan on track, on an online
    payment still clearing (payments.selectors.invoices_payment_pending), or due to be collected by
    autopay (autopay.selectors.autopay_covered: a charge scheduled, announced or under way; a failed
    charge no longer covers it, so dunning resumes). One query, so the
    reminders app can exclude it from its candidates:
    `candidates.exclude(pk__in=invoices_blocked_from_dunning().values("pk"))`."""
    today = timezone.localdate()
    promised = PromiseToPay.objects.filter(invoices=OuterRef("pk"), status=PromiseToPay.Status.OPEN, pay_by__gte=today)
    # A payment plan on track pauses dunning; once an installment is missed (broken) it resumes.
    planned = PaymentPlan.objects.filter(invoices=OuterRef("pk"), status=PaymentPlan.Status.ACTIVE)
    # --- dupes ---
    # Flagged as a duplicate: a collector confirmed the invoice repeats another (work.discrepancies);
    # it gets no reminder while the ERP cancels it, and is reminded again if the flag is dismissed.
    flagged_duplicate = confirmed_duplicate()
    # --- end dupes ---
    return Invoice.objects.filter(status=Invoice.Status.OPEN).filter(
        invoice_disputed() | Exists(promised) | Exists(planned) | Q(pk__in=invoices_payment_pending().values("pk"))
        | autopay_covered() | flagged_duplicate
    )


def invoices_still_reminded(invoices: Iterable[Invoice]) -> list[Invoice]:
    """At send time: the listed invoices that may still be reminded (open, something left to pay,
    not blocked since the run). One query."""
    invoices = list(invoices)
    blocked = set(invoices_blocked_from_dunning().filter(pk__in=[i.pk for i in invoices]).values_list("pk", flat=True))
    return [i for i in invoices if i.status == Invoice.Status.OPEN and i.open_amount > 0 and i.pk not in blocked]
