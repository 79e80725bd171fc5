"""Collection-work KPIs (METRICS.md "Collection work") on small data sets whose answers are known."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ledger.models import Customer
from reporting import work_metrics as wm
from reporting.frames import open_invoices
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, UserFactory
from tests.reporting.factories import d, dispute
from work.models import Activity, PromiseToPay

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


def make_promise(customer, pay_by: str, amount: str, status: str, paid: str = "0.00"):
    return PromiseToPay.objects.create(customer=customer, pay_by=d(pay_by), amount=Decimal(amount), status=status,
                                       amount_paid=Decimal(paid))


def test_promise_kept_rate_counts_partial_as_broken_and_its_paid_part_by_amount():
    portfolio = PortfolioFactory()
    customer = CustomerFactory(portfolio=portfolio)
    S = PromiseToPay.Status
    make_promise(customer, "2026-10-05", "1000.00", S.KEPT, paid="1000.00")
    make_promise(customer, "2026-10-10", "500.00", S.PARTIALLY_KEPT, paid="200.00")
    make_promise(customer, "2026-10-20", "300.00", S.BROKEN)
    make_promise(customer, "2026-10-21", "400.00", S.CANCELLED)  # left out
    make_promise(customer, "2026-10-22", "900.00", S.OPEN)  # not settled yet: left out
    make_promise(customer, "2026-11-02", "700.00", S.KEPT, paid="700.00")  # promised date outside the period

    figures = wm.promise_kept(start=d("2026-10-01"), end=d("2026-10-31"))[portfolio.collector.pk]

    assert (figures.kept, figures.broken) == (1, 2)
    assert figures.amount_promised == Decimal("1800.00")
    assert figures.amount_kept == Decimal("1200.00")
    assert wm.rounded(figures.rate_by_count) == Decimal("33.33")
    assert wm.rounded(figures.rate_by_amount) == Decimal("66.67")


def test_promise_kept_rate_is_none_without_settled_promises():
    assert wm.PromiseKept().rate_by_count is None
    assert wm.PromiseKept().rate_by_amount is None


def test_dispute_cycle_time_mean_and_median_overall_and_by_root_cause():
    portfolio = PortfolioFactory()
    customer = CustomerFactory(portfolio=portfolio)

    def inv():
        return InvoiceFactory(customer=customer)

    dispute(customer, [inv()], "pricing", opened_on="2026-09-01", resolved_on="2026-09-11")  # 10 days
    dispute(customer, [inv()], "pricing", opened_on="2026-09-05", resolved_on="2026-09-25")  # 20 days
    dispute(customer, [inv()], "tax", opened_on="2026-09-10", resolved_on="2026-09-16")  # 6 days
    dispute(customer, [inv()], "tax", opened_on="2026-07-01", resolved_on="2026-08-30")  # resolved before the period
    dispute(customer, [inv()], "damaged", opened_on="2026-08-20")  # still open

    result = wm.dispute_cycle_time(start=d("2026-09-01"), end=d("2026-09-30"))

    assert result["overall"].resolved == 3
    assert result["overall"].mean_days == Decimal("12")
    assert result["overall"].median_days == Decimal("10")
    assert result["by_root_cause"]["pricing"].mean_days == Decimal("15")
    assert result["by_root_cause"]["pricing"].median_days == Decimal("15")
    assert result["by_root_cause"]["tax"].mean_days == Decimal("6")
    assert "damaged" not in result["by_root_cause"]
    assert result["by_collector"][portfolio.collector.pk]["overall"].resolved == 3


def test_open_disputes_are_listed_with_their_age():
    customer = CustomerFactory(portfolio=PortfolioFactory())
    dispute(customer, [InvoiceFactory(customer=customer)], "damaged", opened_on="2026-08-20")
    dispute(customer, [InvoiceFactory(customer=customer)], "po", opened_on="2026-09-01", resolved_on="2026-09-02")
    # Resolved after the as-of date: it was still open then.
    dispute(customer, [InvoiceFactory(customer=customer)], "tax", opened_on="2026-09-10", resolved_on="2026-10-05")

    rows = wm.open_disputes(as_of=d("2026-09-30"))

    assert [(r["root_cause"], r["age_days"]) for r in rows] == [("damaged", 41), ("tax", 20)]


def test_touches_count_what_people_logged_per_day_and_week():
    collector = UserFactory()
    other = UserFactory()
    customer = CustomerFactory()
    log = [("2026-10-05", collector, Activity.Kind.CALL)] * 3 + [("2026-10-06", collector, Activity.Kind.EMAIL)] * 2
    log += [("2026-10-06", None, Activity.Kind.SYSTEM), ("2026-10-07", collector, Activity.Kind.PORTAL_VISIT),
            ("2026-10-07", other, Activity.Kind.CALL), ("2026-10-12", collector, Activity.Kind.CALL)]
    for day, by, kind in log:
        Activity.objects.create(customer=customer, kind=kind, by=by, occurred_at=at(day))

    result = wm.touches(start=d("2026-10-05"), end=d("2026-10-11"))  # Monday to Sunday

    mine = result[collector.pk]
    assert mine.total == 5
    assert mine.by_day == {d("2026-10-05"): 3, d("2026-10-06"): 2}
    assert mine.per_day == Decimal("1")  # 5 touches over 5 working days
    assert mine.per_week == Decimal("5")
    assert result[other.pk].total == 1


def test_coverage_is_the_share_of_past_due_accounts_worked_in_the_last_14_days():
    portfolio = PortfolioFactory()
    collector = portfolio.collector
    as_of = d("2026-10-30")
    accounts = [CustomerFactory(portfolio=portfolio) for _ in range(5)]
    for customer in accounts[:4]:  # past due
        InvoiceFactory(customer=customer, issue_date=d("2026-09-01"), due_date=d("2026-10-01"))
    InvoiceFactory(customer=accounts[4], issue_date=d("2026-10-20"), due_date=d("2026-11-19"))  # current
    Activity.objects.create(customer=accounts[0], kind="call", by=collector, occurred_at=at("2026-10-17"))  # day 14
    Activity.objects.create(customer=accounts[1], kind="email", by=collector, occurred_at=at("2026-10-29"))
    Activity.objects.create(customer=accounts[2], kind="call", by=collector, occurred_at=at("2026-10-16"))  # day 15
    Activity.objects.create(customer=accounts[3], kind="system", by=None, occurred_at=at("2026-10-29"))
    Activity.objects.create(customer=accounts[4], kind="call", by=collector, occurred_at=at("2026-10-29"))

    result = wm.coverage(open_invoices(as_of), as_of=as_of)[collector.pk]

    assert (result.worked, result.past_due_accounts) == (2, 4)
    assert result.rate == Decimal("50")


def test_over_30_days_past_due_without_a_plan():
    as_of = d("2026-10-30")
    customer = CustomerFactory(portfolio=PortfolioFactory())
    followed = CustomerFactory(portfolio=customer.portfolio, follow_up_on=d("2026-11-02"))

    def due(days_past_due: int, on=customer):
        from datetime import timedelta

        due_on = as_of - timedelta(days=days_past_due)
        return InvoiceFactory(customer=on, issue_date=due_on - timedelta(days=30), due_date=due_on)

    no_plan = due(31)
    due(30)  # not more than 30 days
    promised = due(45)
    PromiseToPay.objects.create(customer=customer, amount=Decimal("10"), pay_by=d("2026-11-05")).invoices.add(promised)
    lapsed = due(40)  # its promise date has passed: no plan any more
    PromiseToPay.objects.create(customer=customer, amount=Decimal("10"), pay_by=d("2026-10-20")).invoices.add(lapsed)
    dispute(customer, [due(60)], "pricing", opened_on="2026-10-01")
    due(50, on=followed)

    rows = wm.without_plan(open_invoices(as_of), as_of=as_of)

    assert sorted(rows["invoice_id"]) == sorted([no_plan.pk, lapsed.pk])
    assert Customer.objects.count() == 2


def test_working_days_count_monday_to_friday():
    assert wm.working_days(d("2026-10-05"), d("2026-10-11")) == 5
    assert wm.working_days(d("2026-10-10"), d("2026-10-11")) == 0
