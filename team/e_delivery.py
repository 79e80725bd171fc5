"""E-delivery coverage: how much of the book gets its invoices, reminders and statements by email.

Definition (also on the page and in the README). A customer is **covered** when
  1. `e_delivery` is on (the customer has not asked for paper), and
  2. it has an active AP-clerk contact with a non-empty email that has not bounced.
There is no fallback to the primary or any other contact: statements go to the AP clerk only, and an
owner's or a sales rep's mailbox is not where invoices get paid, so such accounts are "missing AP email".
Active customers = every customer not closed.

- **Share of customers** = covered active customers ÷ active customers.
- **Share of AR** = open balance of covered customers ÷ open balance of all active customers, in
  base currency (each open invoice at its own date's rate, as every report — METRICS.md).

An account not covered is on the worklist with why: `paper` (e-delivery off), `missing` (no active
AP clerk with an email), `bounced` (its AP emails all bounced); an account can have several.

The page keeps its figures (the KPI, the worklist's page, the goals' shares) as the other morning
pages do (`reporting.cache`), keyed by whose accounts they are (`scope_of`: the whole book is one
scope, else the viewer and their roles) and made obsolete by any money move and by any write to the
accounts they read (`core.generations.accounts_changed`: delivery switches, contacts, bounces,
closing, reassigning, imports, portfolios' teams).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core.generations import ACCOUNTS_KEY
from core.money import MONEY_FIELD, ZERO
from ledger.fx import MissingFxRate
from ledger.models import Contact, Customer, Invoice
from ledger.selectors import visible_customers
from portfolios.access import roles_of, sees_whole_book
from portfolios.models import Team
from reporting.cache import kept_with
from reporting.frames import base_totals_by
from team.models import EDeliveryGoal

ROWS_PER_PAGE = 50  # the worklist's
REASONS = {
    "paper": "Paper (e-delivery off)",
    "missing": "Missing AP email",
    "bounced": "AP email bounced",
}
SORTS = {
    "balance": [F("balance").desc(), "name", "pk"],
    "name": ["name", "pk"],
}


def _ap_emails():
    return Contact.objects.filter(customer=OuterRef("pk"), role=Contact.Role.AP_CLERK, active=True).exclude(email="")


def with_coverage(customers: QuerySet) -> QuerySet:
    """`customers` annotated with `has_ap_email`, `ap_email_ok` (one not bounced) and `covered`."""
    return customers.annotate(
        has_ap_email=Exists(_ap_emails()),
        ap_email_ok=Exists(_ap_emails().filter(email_bounced_at__isnull=True)),
    ).annotate(covered=ExpressionWrapper(Q(e_delivery=True) & Q(ap_email_ok=True), output_field=BooleanField()))


def active_customers(customers: QuerySet) -> QuerySet:
    return customers.exclude(status=Customer.Status.CLOSED)


def scope_customers(team: Team | None) -> QuerySet:
    """The customers a goal covers: a team's portfolios (set on the portfolio, or through its
    collector's team), or the whole book."""
    customers = Customer.objects.all()
    if team is None:
        return customers
    return customers.filter(Q(portfolio__team=team) | Q(portfolio__collector__collector_profile__team=team))


@dataclass(frozen=True)
class Coverage:
    customers: int
    covered: int
    paper: int
    missing: int
    bounced: int
    ar_total: Decimal | None
    ar_covered: Decimal | None
    fx_error: str = ""

    @property
    def customer_share(self) -> Decimal | None:
        return Decimal(self.covered) / Decimal(self.customers) if self.customers else None

    @property
    def ar_share(self) -> Decimal | None:
        return self.ar_covered / self.ar_total if self.ar_total else None

    @property
    def customer_percent(self) -> Decimal | None:
        return _percent(self.customer_share)

    @property
    def ar_percent(self) -> Decimal | None:
        return _percent(self.ar_share)


def _percent(share: Decimal | None) -> Decimal | None:
    return None if share is None else (share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _counts(active: QuerySet) -> dict[str, int]:
    """The conditions of `with_coverage` counted in one pass: each customer's active AP emails (and
    those not bounced) counted over one grouped join of the contacts, not four EXISTS per customer."""
    ap = Q(contacts__role=Contact.Role.AP_CLERK, contacts__active=True) & ~Q(contacts__email="")
    per_customer = active.order_by().values("pk").annotate(
        ap_emails=Count("contacts", filter=ap),
        ap_ok=Count("contacts", filter=ap & Q(contacts__email_bounced_at__isnull=True)),
        emailed=F("e_delivery"),
    )
    return per_customer.aggregate(
        customers=Count("pk"),
        covered=Count("pk", filter=Q(emailed=True, ap_ok__gt=0)),
        paper=Count("pk", filter=Q(emailed=False)),
        missing=Count("pk", filter=Q(ap_emails=0)),
        bounced=Count("pk", filter=Q(ap_emails__gt=0, ap_ok=0)),
    )


def e_delivery_coverage(customers: QuerySet, *, with_ar: bool = True) -> Coverage:
    """The coverage KPI over `customers` (active ones only), from counts: one query counts the
    customers by flag, one adds up the open invoices per covered or not, day and currency,
    converted to base once per group (`reporting.frames.base_totals_by`) — not every open invoice
    with an FX lookup each. `with_ar=False` leaves the AR shares out (`ar_total` None): the
    customer share alone is one query, where the AR sums read every open invoice."""
    active = active_customers(customers)
    counts = _counts(active)
    if not counts["customers"]:
        return Coverage(0, 0, 0, 0, 0, ZERO, ZERO)
    if not with_ar:
        return Coverage(**counts, ar_total=None, ar_covered=None)
    covered = with_coverage(active).filter(covered=True, pk=OuterRef("customer_id")).values("pk")
    open_invoices = Invoice.objects.filter(status=Invoice.Status.OPEN, customer__in=active.values("pk")).annotate(
        covered=Exists(covered))  # the AR of all and of the covered customers from one scan
    try:
        sums = base_totals_by(open_invoices, "covered", "open_amount")
    except MissingFxRate as error:
        return Coverage(**counts, ar_total=None, ar_covered=None, fx_error=str(error))
    covered_ar = sums.get(True, ZERO)
    return Coverage(**counts, ar_total=covered_ar + sums.get(False, ZERO), ar_covered=covered_ar)


def e_delivery_worklist(customers: QuerySet, *, reason: str = "", sort: str = "balance") -> QuerySet:
    """Active accounts not covered, each with `balance` (open invoices, in its currency), its
    collector, its first AP email (`ap_email`) and the flags that say why. One query per page."""
    open_total = (Invoice.objects.filter(customer=OuterRef("pk"), status=Invoice.Status.OPEN)
                  .order_by().values("customer").annotate(total=Sum("open_amount")).values("total"))
    first_ap = _ap_emails().order_by("email_bounced_at", "-is_primary", "pk").values("email")[:1]
    rows = (
        with_coverage(active_customers(customers)).filter(covered=False)
        .select_related("portfolio__collector")
        .annotate(
            balance=Coalesce(Subquery(open_total, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD),
            ap_email=Subquery(first_ap),
        )
    )
    if reason == "paper":
        rows = rows.filter(e_delivery=False)
    elif reason == "missing":
        rows = rows.filter(has_ap_email=False)
    elif reason == "bounced":
        rows = rows.filter(has_ap_email=True, ap_email_ok=False)
    return rows.order_by(*SORTS.get(sort, SORTS["balance"]))


def scope_of(user: User) -> dict[str, Any]:
    """Whose accounts `user` sees here, as plain values (the kept figures' key): the whole book is
    one scope whoever opens it (head, finance, admins); anyone else sees what their roles give them
    (`portfolios.access.customer_rows`), so the key is the user with their roles."""
    if sees_whole_book(user):
        return {"viewer": None, "roles": []}
    return {"viewer": user, "roles": sorted(roles_of(user))}


def _scope_customers(viewer: User | None) -> QuerySet:
    return Customer.objects.all() if viewer is None else visible_customers(viewer)


@kept_with(ACCOUNTS_KEY)
def coverage_kept(*, viewer: User | None, roles: list[str]) -> Coverage:
    """The KPI over the scope's customers (`scope_of`), kept for the page."""
    return e_delivery_coverage(_scope_customers(viewer))


@dataclass(frozen=True)
class WorklistPage:
    rows: list[Customer]  # the worklist's rows of this page, each with `why` (labels of REASONS)
    count: int  # rows on every page
    number: int  # this page's number (an out-of-range one becomes the last)


@kept_with(ACCOUNTS_KEY)
def worklist_page(*, viewer: User | None, roles: list[str], reason: str, sort: str, page: str,
                  per_page: int) -> WorklistPage:
    """One page of the scope's worklist with its row count, kept for the page and its HTMX partial."""
    found = Paginator(e_delivery_worklist(_scope_customers(viewer), reason=reason, sort=sort), per_page).get_page(page)
    rows = list(found.object_list)
    for row in rows:
        row.why = [REASONS[key] for key in reasons_of(row)]
    return WorklistPage(rows=rows, count=found.paginator.count, number=found.number)


def reasons_of(account) -> list[str]:
    """Why a worklist row is not covered (keys of REASONS)."""
    why = []
    if not account.e_delivery:
        why.append("paper")
    if not account.has_ap_email:
        why.append("missing")
    elif not account.ap_email_ok:
        why.append("bounced")
    return why


# --- Goals --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalProgress:
    goal: EDeliveryGoal
    on: date
    now: Decimal | None  # share of customers covered today, 0..1

    @property
    def scope(self) -> str:
        return self.goal.team.name if self.goal.team_id else "Whole book"

    @property
    def days_total(self) -> int:
        return (self.goal.ends_on - self.goal.starts_on).days

    @property
    def days_elapsed(self) -> int:
        return min(max((self.on - self.goal.starts_on).days, 0), self.days_total)

    @property
    def expected(self) -> Decimal:
        """Where a straight line from the baseline to the target stands today."""
        goal = self.goal
        return goal.baseline_share + (goal.target_share - goal.baseline_share) * self.days_elapsed / self.days_total

    @property
    def percent_of_way(self) -> Decimal | None:
        gain = self.goal.target_share - self.goal.baseline_share
        if self.now is None or gain == 0:
            return None
        return ((self.now - self.goal.baseline_share) / gain * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def on_track(self) -> bool | None:
        return None if self.now is None else self.now >= self.expected

    @property
    def percents(self) -> dict:
        """Baseline, now, the straight path today and the target, in percent (one decimal)."""
        return {"baseline": _percent(self.goal.baseline_share), "now": _percent(self.now),
                "expected": _percent(self.expected), "target": _percent(self.goal.target_share)}

    @property
    def is_over(self) -> bool:
        return self.on >= self.goal.ends_on

    def chart(self) -> dict:
        """Baseline → today → target, as the straight path and the actual line, in percent."""
        points = [self.goal.starts_on, min(self.on, self.goal.ends_on), self.goal.ends_on]
        return {
            "labels": [d.isoformat() for d in points],
            "path": [float(_percent(self.goal.baseline_share)), float(_percent(self.expected)),
                     float(_percent(self.goal.target_share))],
            "actual": [float(_percent(self.goal.baseline_share)),
                       float(_percent(self.now)) if self.now is not None else None, None],
        }


def goals_current(on: date) -> QuerySet:
    """Goals running on `on`, and those ended in the last 30 days (to see how they finished)."""
    return (EDeliveryGoal.objects.filter(starts_on__lte=on, ends_on__gte=on - timedelta(days=30))
            .select_related("team", "set_by").order_by("team__name", "-starts_on", "-pk"))


@kept_with(ACCOUNTS_KEY)
def scope_share(*, team: Team | None) -> Decimal | None:
    """Today's share of customers covered in a goal's scope (a team's, or the whole book)."""
    return e_delivery_coverage(scope_customers(team), with_ar=False).customer_share


def goals_progress(on: date) -> list[GoalProgress]:
    """Each current goal with today's share of its scope's customers (one query per goal's scope,
    kept for the page)."""
    shares: dict[int | None, Decimal | None] = {}
    progress = []
    for goal in goals_current(on):
        if goal.team_id not in shares:
            shares[goal.team_id] = scope_share(team=goal.team)
        progress.append(GoalProgress(goal=goal, on=on, now=shares[goal.team_id]))
    return progress
