"""A small team book for the team pages: a few collectors, each with past-due accounts and some work."""

from datetime import datetime, timedelta
from decimal import Decimal

from tests.factories import CustomerFactory, PortfolioFactory, collector
from tests.reporting.factories import d, dispute, issue, pay
from work.models import Activity, PromiseToPay


def at(day: str, hour: int = 10) -> datetime:
    from datetime import UTC

    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


def team_book(*, collectors: int = 3, accounts: int = 8, as_of: str = "2026-10-30", prefix: str = "") -> list:
    """Each collector: `accounts` customers k = 0.. with one invoice of (k + 1) × 100 that is 20 + 5k days
    past due and one current invoice of 250, a call on every
    other account, a kept promise, a broken one, an open dispute and a payment on account. Returns the collectors."""
    today = d(as_of)
    people = []
    for n in range(collectors):
        person = collector(f"{prefix}col{n}", first_name=f"Col{n}", last_name="Lector")
        portfolio = PortfolioFactory(collector=person, name=f"{prefix}P{n}")
        for k in range(accounts):
            customer = CustomerFactory(portfolio=portfolio, name=f"{prefix}Acct {n}-{k:02d}")
            late = issue(customer, (today - timedelta(days=50 + k * 5)).isoformat(), f"{100 * (k + 1)}.00",
                         terms=30)
            issue(customer, (today - timedelta(days=5)).isoformat(), "250.00", terms=30)
            if k % 2 == 0:
                Activity.objects.create(customer=customer, kind="call", outcome="voicemail", by=person,
                                        subject=f"Chased {late.external_id}", occurred_at=at(as_of) - timedelta(days=k))
            if k == 1:
                PromiseToPay.objects.create(customer=customer, amount=Decimal("100"), pay_by=today - timedelta(days=3),
                                            status=PromiseToPay.Status.KEPT, amount_paid=Decimal("100"))
            if k == 2:
                PromiseToPay.objects.create(customer=customer, amount=Decimal("300"), pay_by=today - timedelta(days=2),
                                            status=PromiseToPay.Status.BROKEN)
            if k == 3:
                dispute(customer, [late], "pricing", opened_on=(today - timedelta(days=12)).isoformat())
            if k == 4:
                pay(customer, (today - timedelta(days=6)).isoformat(), "500.00")  # on account
        people.append(person)
    return people
