"""Credit hold and e-delivery in the demo book: the default hold rules, a share of customers still
on paper, some AP emails missing, a coverage goal for the whole book, and tonight's hold pass."""

import random
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from ledger.models import Contact, Customer
from team.e_delivery import e_delivery_coverage
from team.e_delivery_services import e_delivery_goal_set
from work.holds.models import CreditHoldRule
from work.holds.services import credit_holds_apply_rules

PAPER_SHARE = 0.2  # about one customer in five still wants paper
MISSING_AP_EMAIL_SHARE = 0.05
CHUNK = 900  # stay under SQLite's bound-parameter limit

# The over-limit rule ships switched off: the demo's credit limits are rough (a third of the book is
# over them), and a manager switches it on once the limits have been reviewed.
DEFAULT_RULES = [
    {"name": "Over the credit limit", "kind": CreditHoldRule.Kind.OVER_CREDIT_LIMIT, "active": False},
    {"name": "An invoice over 90 days past due", "kind": CreditHoldRule.Kind.DAYS_PAST_DUE, "days_past_due": 90,
     "min_amount": Decimal("1000.00")},
    {"name": "Payment plan broken", "kind": CreditHoldRule.Kind.BROKEN_PLAN},
]


def _in_chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def seed_holds_and_e_delivery(*, seed: int, as_of: date, by=None) -> str:
    """Deterministic for a seed. Returns a one-line summary."""
    rng = random.Random(seed * 31 + 8)
    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    paper = sorted(rng.sample(ids, k=round(len(ids) * PAPER_SHARE)))
    on_email = [pk for pk in ids if pk not in set(paper)]
    missing = sorted(rng.sample(on_email, k=min(len(on_email), round(len(ids) * MISSING_AP_EMAIL_SHARE))))
    for chunk in _in_chunks(paper):
        Customer.objects.filter(pk__in=chunk).update(e_delivery=False)
    for chunk in _in_chunks(missing):
        Contact.objects.filter(customer_id__in=chunk, role=Contact.Role.AP_CLERK).update(email="")
    for values in DEFAULT_RULES:
        CreditHoldRule.objects.get_or_create(name=values["name"], defaults=values)
    share = e_delivery_coverage(Customer.objects.all(), with_ar=False).customer_share
    if share is not None and share < Decimal("0.95"):
        e_delivery_goal_set(team=None, starts_on=as_of, ends_on=as_of + relativedelta(months=4), baseline_share=share,
                            target_share=min(share + Decimal("0.20"), Decimal("1")), by=by,
                            note="+20 points in four months")
    held = credit_holds_apply_rules(on=as_of).held
    return f"{len(paper)} paper customers, {len(missing)} without AP email, {held} on credit hold"
