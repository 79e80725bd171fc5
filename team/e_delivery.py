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
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from django.db.models import (
    BooleanField,
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

from core.money import MONEY_FIELD, ZERO
from ledger.fx import MissingFxRate, rate_expression, to_base
from ledger.models import Contact, Customer, Invoice
from portfolios.models import Team
from team.models import EDeliveryGoal

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


def e_delivery_coverage(customers: QuerySet) -> Coverage:
    """The coverage KPI over `customers` (active ones only): two queries — the customers with their
    coverage flags, and their open invoices with the FX rate — combined in pandas."""
    active = active_customers(customers)
    people = pd.DataFrame.from_records(
        list(with_coverage(active).order_by().values_list("pk", "e_delivery", "has_ap_email", "ap_email_ok",
                                                          "covered")),
        columns=["customer_id", "e_delivery", "has_ap_email", "ap_email_ok", "covered"],
    )
    if people.empty:
        return Coverage(0, 0, 0, 0, 0, ZERO, ZERO)
    people = people.astype({"e_delivery": bool, "has_ap_email": bool, "ap_email_ok": bool, "covered": bool})
    counts = {
        "customers": len(people),
        "covered": int(people["covered"].sum()),
        "paper": int((~people["e_delivery"]).sum()),
        "missing": int((~people["has_ap_email"]).sum()),
        "bounced": int((people["has_ap_email"] & ~people["ap_email_ok"]).sum()),
    }
    invoices = pd.DataFrame.from_records(
        list(Invoice.objects.filter(customer__in=active.values("pk"), status=Invoice.Status.OPEN)
             .annotate(rate=rate_expression()).order_by()
             .values_list("customer_id", "currency", "open_amount", "rate")),
        columns=["customer_id", "currency", "open_amount", "rate"],
    )
    try:
        invoices["base"] = to_base(invoices, "open_amount")
    except MissingFxRate as error:
        return Coverage(**counts, ar_total=None, ar_covered=None, fx_error=str(error))
    covered_ids = set(people.loc[people["covered"], "customer_id"])
    ar_total = sum(invoices["base"], ZERO)
    ar_covered = sum(invoices.loc[invoices["customer_id"].isin(covered_ids), "base"], ZERO)
    return Coverage(**counts, ar_total=ar_total, ar_covered=ar_covered)


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


def goals_progress(on: date) -> list[GoalProgress]:
    """Each current goal with today's share of its scope (two queries per goal's scope)."""
    shares: dict[int | None, Decimal | None] = {}
    progress = []
    for goal in goals_current(on):
        if goal.team_id not in shares:
            shares[goal.team_id] = e_delivery_coverage(scope_customers(goal.team)).customer_share
        progress.append(GoalProgress(goal=goal, on=on, now=shares[goal.team_id]))
    return progress
