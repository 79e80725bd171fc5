"""Read paths of the accounts list and the account workspace.

Balances come from the stored `Invoice.open_amount` (kept by services.py) and are summed in the
database: the list annotates every customer in one query, the workspace fetches an account with its
header's figures in one query, whatever the number of invoices it has. Amounts are in the account's
currency (the currency its invoices are issued in).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Replace

from core.aging import BUCKET_BOUNDS, BUCKET_LABELS
from core.money import MONEY_FIELD, ZERO
from ledger.hierarchy import subtree_q
from ledger.models import Contact, CreditNote, Customer, Invoice, Payment
from portal.models import PortalAccess
from portfolios.models import Assignment
from reminders.models import OutboundMessage
from work.models import Dispute, PromiseToPay
from work.selectors import OPEN_DISPUTE

SORTS: dict[str, tuple[str, list[str | OrderBy]]] = {
    "past_due": ("Past due (largest first)", [F("past_due").desc(), "name", "pk"]),
    "balance": ("Balance (largest first)", [F("balance").desc(), "name", "pk"]),
    "oldest": ("Oldest past due first", [F("oldest_due_on").asc(nulls_last=True), "name", "pk"]),
    "name": ("Name", ["name", "pk"]),
}
DEFAULT_SORT = "past_due"

# core.aging's buckets as (css key, label, lowest days, highest days or None); "91+" is "91" in a class name.
BUCKETS = tuple((name.rstrip("+"), BUCKET_LABELS[name], low, high) for name, low, high in BUCKET_BOUNDS)


def _open_of_account(condition: Q | None = None) -> QuerySet[Invoice]:
    """The open invoices of the customer of the outer query (meeting `condition`), for a subquery."""
    invoices = Invoice.objects.filter(customer=OuterRef("pk"), status=Invoice.Status.OPEN)
    return (invoices if condition is None else invoices.filter(condition)).order_by()


def _open_sum(condition: Q | None = None) -> Coalesce:
    total = _open_of_account(condition).values("customer").annotate(total=Sum("open_amount")).values("total")
    return Coalesce(Subquery(total, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)


def _open_invoice_sum(on: date, *, past_due: bool) -> Coalesce:
    return _open_sum(Q(due_date__lt=on) if past_due else None)


def _oldest_past_due(on: date) -> Subquery:
    oldest = (
        Invoice.objects.filter(customer=OuterRef("pk"), status=Invoice.Status.OPEN, due_date__lt=on)
        .order_by().values("customer").annotate(oldest=Min("due_date")).values("oldest")
    )
    return Subquery(oldest)


def accounts_with_balances(customers: QuerySet[Customer], *, on: date) -> QuerySet[Customer]:
    """Each customer with `balance` (open invoices), `past_due` (open past their due date on `on`),
    `oldest_due_on` (due date of the oldest past-due invoice) and `is_family_head`."""
    return customers.select_related("parent", "portfolio__collector").annotate(
        balance=_open_invoice_sum(on, past_due=False),
        past_due=_open_invoice_sum(on, past_due=True),
        oldest_due_on=_oldest_past_due(on),
        is_family_head=Exists(Customer.objects.filter(parent=OuterRef("pk"))),
    )


# Separators people type in phone numbers, removed on both sides before comparing digits.
PHONE_SEPARATORS = (" ", "-", ".", "(", ")", "+", "/")
PHONE_MIN_DIGITS = 4  # fewer digits would match nearly every number


def _phone_digits(field: str) -> F | Func:
    expression: F | Func = F(field)
    for separator in PHONE_SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def search_matches(q: str) -> Q:
    """What a collector types to find an account: its name or customer id, an invoice number or PO
    number of any of its invoices, or a contact's name, email or phone (at least four digits, compared
    without spaces, dashes, dots or brackets). Subqueries, not joins: an account is listed once
    however many of its rows match."""
    q = q.strip()
    invoices = Invoice.objects.filter(Q(external_id__icontains=q) | Q(po_number__icontains=q))
    contact = Q(name__icontains=q) | Q(email__icontains=q)
    digits = re.sub(r"\D", "", q)
    if len(digits) >= PHONE_MIN_DIGITS and not re.search(r"[A-Za-z@]", q):
        contact |= Q(phone_digits__contains=digits)
    contacts = Contact.objects.annotate(phone_digits=_phone_digits("phone")).filter(contact)
    return (
        Q(name__icontains=q) | Q(external_id__icontains=q)
        | Exists(invoices.filter(customer_id=OuterRef("pk")))
        | Exists(contacts.filter(customer_id=OuterRef("pk")))
    )


def accounts_search(
    customers: QuerySet[Customer], *, on: date, q: str = "", collector: User | None = None, segment: str = "",
    family: Customer | None = None, past_due_only: bool = False, sort: str = DEFAULT_SORT,
) -> QuerySet[Customer]:
    """The accounts list: `customers` (already narrowed to what the user may see) searched (see
    `search_matches`), filtered, annotated with balances and sorted — one query per page."""
    if q:
        customers = customers.filter(search_matches(q))
    if collector is not None:
        customers = customers.filter(portfolio__collector=collector)
    if segment:
        customers = customers.filter(segment=segment)
    if family is not None:
        customers = customers.filter(subtree_q(family))  # the account and every account below it
    customers = accounts_with_balances(customers, on=on)
    if past_due_only:
        customers = customers.filter(Q(past_due__gt=0))  # an annotation: a Q keeps the type checker out
    return customers.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT])[1])


def family_heads(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Parents (tops and parents below them) of the account families that touch `customers`."""
    return Customer.objects.filter(
        Q(pk__in=customers.filter(parent__isnull=False).values("parent_id"))
        | Q(pk__in=customers.filter(family_top__isnull=False).values("family_top_id"))
        | Q(pk__in=customers.filter(children__isnull=False).values("pk"))
    ).only("pk", "name", "external_id").order_by("name")


def segments(customers: QuerySet[Customer]) -> list[str]:
    return list(customers.exclude(segment="").order_by("segment").values_list("segment", flat=True).distinct())


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    amount: Decimal
    share: float  # percent of the balance, for the width of the strip


@dataclass(frozen=True)
class AccountFigures:
    balance: Decimal
    past_due: Decimal
    open_count: int
    oldest_due_on: date | None
    buckets: list[Bucket]
    on: date

    @property
    def oldest_days_past_due(self) -> int | None:
        return (self.on - self.oldest_due_on).days if self.oldest_due_on else None


def _bucket_filter(on: date, low: int | None, high: int | None) -> Q:
    # Days past due = on − due_date, so "at least `low` days" is a due date on or before on − low.
    condition = Q()
    if low is not None:
        condition &= Q(due_date__lte=on - timedelta(days=low))
    if high is not None:
        condition &= Q(due_date__gte=on - timedelta(days=high))
    return condition


def open_invoices(customer: Customer) -> QuerySet[Invoice]:
    """Open invoices, oldest due first, flagged `is_disputed` (an unresolved dispute covers it) and
    `is_promised` (an open promise to pay covers it)."""
    disputes = Dispute.invoices.through.objects.filter(
        invoice_id=OuterRef("pk"), dispute__status__in=[Dispute.Status.OPEN, Dispute.Status.IN_REVIEW]
    )
    promises = PromiseToPay.invoices.through.objects.filter(
        invoice_id=OuterRef("pk"), promisetopay__status=PromiseToPay.Status.OPEN
    )
    return (
        Invoice.objects.filter(customer=customer, status=Invoice.Status.OPEN)
        .annotate(is_disputed=Exists(disputes), is_promised=Exists(promises))
        .order_by("due_date", "external_id")
    )


def closed_invoices(customer: Customer) -> QuerySet[Invoice]:
    """Paid and void invoices, most recently closed first."""
    return (
        Invoice.objects.filter(customer=customer)
        .exclude(status=Invoice.Status.OPEN)
        .order_by(F("closed_on").desc(nulls_last=True), "-issue_date", "-pk")
    )


def payments(customer: Customer) -> QuerySet[Payment]:
    return Payment.objects.filter(customer=customer).order_by("-received_date", "-pk")


def credit_notes(customer: Customer) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(customer=customer).order_by("-issue_date", "-pk")


@dataclass(frozen=True)
class Unapplied:
    cash: Decimal
    credits: Decimal

    @property
    def total(self) -> Decimal:
        return self.cash + self.credits


@dataclass(frozen=True)
class AccountHeader:
    """What the workspace shows above the account's lists, and which of its lists have rows."""

    figures: AccountFigures
    unapplied: Unapplied  # cash on account and credits not yet used: something to talk about
    is_family_head: bool
    has_open_dispute: bool


def _unapplied_sum(rows: QuerySet[Payment] | QuerySet[CreditNote]) -> Coalesce:
    total = (rows.filter(customer=OuterRef("pk")).order_by().values("customer")
             .annotate(total=Sum("unapplied_amount")).values("total"))
    return Coalesce(Subquery(total, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)


def workspace_accounts(customers: QuerySet[Customer], *, on: date) -> QuerySet[Customer]:
    """`customers` as the account workspace fetches one: with its parent, collector and dunning
    exceptions, and annotated with its header (read by `account_header`): balance, past due, open
    count, oldest past-due date and aging buckets of the open invoices (aged by due date as of
    `on`), unapplied cash and credits, whether it heads a family and has an open dispute. Each is
    a subquery on the account's own rows: the account and its header are one query, whatever the
    number of invoices it has."""
    buckets = {f"bucket_{n}": _open_sum(_bucket_filter(on, low, high))
               for n, (_key, _label, low, high) in enumerate(BUCKETS)}
    open_count = _open_of_account().values("customer").annotate(n=Count("pk")).values("n")
    return customers.select_related("parent", "portfolio__collector", "dunning_settings").annotate(
        balance=_open_sum(),
        past_due=_open_sum(Q(due_date__lt=on)),
        open_count=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0), output_field=IntegerField()),
        oldest_due_on=_oldest_past_due(on),
        unapplied_cash=_unapplied_sum(Payment.objects.filter(status=Payment.Status.POSTED)),
        unapplied_credits=_unapplied_sum(CreditNote.objects.all()),
        is_family_head=Exists(Customer.objects.filter(parent=OuterRef("pk"))),
        has_open_dispute=Exists(Dispute.objects.filter(customer=OuterRef("pk"), status__in=OPEN_DISPUTE)),
        **buckets,
    )


def account_header(customer: Customer, *, on: date) -> AccountHeader:
    """The header of an account fetched through `workspace_accounts` (no query of its own)."""
    row: dict[str, Any] = vars(customer)
    balance = row["balance"]
    buckets = [
        Bucket(key, label, row[f"bucket_{n}"], float(row[f"bucket_{n}"] / balance * 100) if balance else 0.0)
        for n, (key, label, _low, _high) in enumerate(BUCKETS)
    ]
    figures = AccountFigures(
        balance=balance, past_due=row["past_due"], open_count=row["open_count"],
        oldest_due_on=row["oldest_due_on"], buckets=buckets, on=on,
    )
    return AccountHeader(
        figures=figures, unapplied=Unapplied(cash=row["unapplied_cash"], credits=row["unapplied_credits"]),
        is_family_head=row["is_family_head"], has_open_dispute=row["has_open_dispute"],
    )


def assignment_history(customer: Customer) -> QuerySet[Assignment]:
    """Who owned the account when, newest first."""
    return (
        Assignment.objects.filter(customer=customer)
        .select_related("portfolio__collector", "by")
        .order_by("-starts_on", "-pk")
    )


# --- Asking before an action that cannot be undone -------------------------------------------------------


def portal_links_sent(customer: Customer) -> int:
    """How many messages sent to the account carry a portal link that still works: those sent since
    its links were last revoked (every reminder, statement and manual message carries one)."""
    sent = OutboundMessage.objects.filter(customer=customer, status=OutboundMessage.Status.SENT)
    revoked_at = PortalAccess.objects.filter(customer=customer).values_list("revoked_at", flat=True).first()
    if revoked_at:
        sent = sent.filter(sent_at__gt=revoked_at)
    return sent.count()


def reassign_sources(customers: QuerySet[Customer]) -> list[tuple[str, int]]:
    """Where the accounts a manager moves come from: (portfolio, how many), unassigned ones as such."""
    rows = customers.order_by().values("portfolio__name").annotate(n=Count("pk")).order_by("portfolio__name")
    return [(row["portfolio__name"] or "unassigned", row["n"]) for row in rows]
