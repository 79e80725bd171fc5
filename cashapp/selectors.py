"""Cash application's reads: the worklist, a receipt's candidates with their rows, the figures.

Who sees which receipts: workers (collectors, managers) see the receipts no customer is named
for, and those of the accounts they may open (`portfolios.access.customer_rows`); the head of
collections, finance and admins see every receipt.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cashapp.models import CashMatch
from core.money import CENT, ZERO
from ledger.fx import rate_expression
from ledger.models import Customer, Invoice, Payment
from portfolios.access import customer_rows, sees_whole_book

# Unapplied cash by days since it was received: (label, up to this many days; None: older).
AGES = (("0-30 days", 30), ("31-60 days", 60), ("61-90 days", 90), ("over 90 days", None))


@dataclass(frozen=True)
class Candidate:
    """One ranked suggestion with its rows loaded: post `allocations` to `customer`; `unapplied`
    stays on account (an overpayment); the amounts are in the invoices' currency."""

    customer: Customer
    allocations: list[tuple[Invoice, Decimal]]
    confidence: Decimal
    reasons: list[str]
    unapplied: Decimal


@dataclass(frozen=True)
class CashFigures:
    receipts: int  # receipts matched in the period
    auto_applied: int  # of them applied without a person
    auto_match_rate: Decimal | None  # percent of receipts; None without receipts
    wrong_matches: int  # automatic applications later undone
    wrong_match_rate: Decimal | None  # percent of automatic applications
    to_review: int
    unmatched: int
    unapplied_total: Decimal  # unapplied cash of bank receipts, base currency
    unapplied_by_age: list[tuple[str, Decimal]]  # ("0-30 days", amount) oldest bucket last
    missing_rates: tuple[str, ...] = ()  # currencies of unapplied cash without an FX rate (left out)


def visible(user: User | None, matches: QuerySet[CashMatch] | None = None) -> QuerySet[CashMatch]:
    matches = CashMatch.objects.all() if matches is None else matches
    if user is None or sees_whole_book(user):
        return matches
    return matches.filter(Q(customer__isnull=True) | customer_rows(user, "customer"))


def worklist(user: User, filters: dict | None = None) -> QuerySet[CashMatch]:
    """The receipts `user` may work, oldest value date first. filters (already validated): status
    (one of CashMatch.Status; default the open ones), q (payer name, remittance text or exact
    amount), file (StatementFile id), customer (id)."""
    filters = filters or {}
    matches = visible(user).select_related("line", "line__account", "customer")
    status = filters.get("status")
    matches = matches.filter(status=status) if status else matches.filter(status__in=CashMatch.OPEN)
    if filters.get("file"):
        matches = matches.filter(line__statement__file_id=filters["file"])
    if filters.get("customer"):
        matches = matches.filter(customer_id=filters["customer"])
    q = (filters.get("q") or "").strip()
    if q:
        text = Q(line__counterparty_name__icontains=q) | Q(line__remittance_text__icontains=q)
        try:
            text |= Q(line__amount=Decimal(q.replace(",", "")))
        except ArithmeticError:
            pass
        matches = matches.filter(text)
    return matches.order_by("line__value_date", "pk")


def match_candidates(match: CashMatch) -> list[Candidate]:
    """The ranked candidates of a receipt with their customers and invoices (two queries); the
    amounts are those proposed, the invoices as they stand now."""
    customers = Customer.objects.in_bulk({c["customer"] for c in match.candidates})
    invoices = Invoice.objects.in_bulk({i for c in match.candidates for i, _ in c["invoices"]})
    found = []
    for candidate in match.candidates:
        customer = customers.get(candidate["customer"])
        if customer is None:
            continue
        allocations = [(invoices[i], Decimal(a)) for i, a in candidate["invoices"] if i in invoices]
        amount = Decimal(candidate.get("amount", match.line.amount))
        applied = sum((a for _, a in allocations), ZERO)
        found.append(Candidate(customer=customer, allocations=allocations,
                               confidence=Decimal(candidate["confidence"]), reasons=candidate["reasons"],
                               unapplied=amount - applied))
    return found


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1")) if whole else None


def _unapplied_by_age(user: User | None, today: date) -> tuple[list[tuple[str, Decimal]], Decimal, tuple[str, ...]]:
    """Unapplied cash of bank receipts still posted, in the base currency at the received date."""
    payments = Payment.objects.filter(source=Payment.Source.BANK, status=Payment.Status.POSTED,
                                      unapplied_amount__gt=0)
    if user is not None and not sees_whole_book(user):
        payments = payments.filter(customer_rows(user, "customer"))
    buckets = dict.fromkeys((label for label, _ in AGES), ZERO)
    missing = set()
    rows = payments.annotate(rate=rate_expression(on="received_date")).values_list(
        "received_date", "unapplied_amount", "rate", "currency")
    for received, unapplied, rate, currency in rows:
        if rate is None:
            missing.add(currency)
            continue
        days = (today - received).days
        label = next(label for label, most in AGES if most is None or days <= most)
        buckets[label] += (unapplied * rate).quantize(CENT)
    return list(buckets.items()), sum(buckets.values(), ZERO), tuple(sorted(missing))


def figures(*, user: User | None = None, since: date | None = None, until: date | None = None) -> CashFigures:
    """Receipts by value date in [since, until]: how many were applied automatically, how many of
    those were later undone (the wrong-match rate), how many wait; and unapplied bank cash by age
    now (base currency, `settings.BASE_CURRENCY`)."""
    matches = visible(user)
    if since:
        matches = matches.filter(line__value_date__gte=since)
    if until:
        matches = matches.filter(line__value_date__lte=until)
    counts = matches.aggregate(
        receipts=Count("pk"), auto=Count("pk", filter=Q(auto_applied_at__isnull=False)),
        wrong=Count("pk", filter=Q(auto_applied_at__isnull=False, undone_at__isnull=False)),
        to_review=Count("pk", filter=Q(status=CashMatch.Status.TO_REVIEW)),
        unmatched=Count("pk", filter=Q(status=CashMatch.Status.UNMATCHED)),
    )
    by_age, total, missing = _unapplied_by_age(user, timezone.localdate())
    return CashFigures(
        receipts=counts["receipts"], auto_applied=counts["auto"], auto_match_rate=_percent(counts["auto"],
                                                                                           counts["receipts"]),
        wrong_matches=counts["wrong"], wrong_match_rate=_percent(counts["wrong"], counts["auto"]),
        to_review=counts["to_review"], unmatched=counts["unmatched"], unapplied_total=total,
        unapplied_by_age=by_age, missing_rates=missing,
    )
