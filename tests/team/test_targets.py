"""Monthly targets: gap to target and projected gap (METRICS.md), who may set them."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ledger.services import payment_reverse
from team.models import MonthlyTarget
from team.selectors import target_rows, target_totals
from team.services import monthly_target_set
from tests.factories import CustomerFactory, PortfolioFactory, finance, manager
from tests.reporting.factories import d, issue, pay

pytestmark = pytest.mark.django_db


def test_gap_and_projected_gap_from_collected_and_forecast(ledger_balances):
    portfolio = PortfolioFactory()
    boss = manager()
    customer = CustomerFactory(portfolio=portfolio)
    issue(customer, "2026-09-25", "2500.00", due="2026-10-25")  # predicted 10-25: in the month's forecast
    issue(customer, "2026-10-05", "900.00", due="2026-11-10")  # after month end
    issue(customer, "2026-09-01", "400.00", due="2026-10-10")  # predicted before D: at risk, not forecast
    pay(customer, "2026-10-03", "3000.00")  # on account: collected all the same
    pay(customer, "2026-10-15", "1000.00")
    pay(customer, "2026-10-25", "800.00")  # after D
    pay(customer, "2026-09-30", "100.00")  # before the month
    bounced = pay(customer, "2026-10-12", "600.00")
    payment_reverse(payment=bounced, reason="Cheque bounced", on=d("2026-10-14"))
    monthly_target_set(month=date(2026, 10, 17), amount="10000.00", collector=portfolio.collector, by=boss)

    (row,) = target_rows(collectors=[portfolio.collector], as_of=d("2026-10-20"))

    assert row.target == Decimal("10000.00")
    assert row.collected == Decimal("4000.00")
    assert row.forecast == Decimal("2500.00")
    assert row.gap == Decimal("6000.00")
    assert row.projected_gap == Decimal("3500.00")
    assert row.attainment == Decimal("40")
    ledger_balances()


def test_portfolio_target_counts_for_its_collector_and_totals_add_up():
    first, second = PortfolioFactory(), PortfolioFactory()
    boss = manager()
    monthly_target_set(month=date(2026, 10, 1), amount="5000", portfolio=second, by=boss)
    monthly_target_set(month=date(2026, 10, 1), amount="7000", collector=first.collector, by=boss)
    monthly_target_set(month=date(2026, 11, 1), amount="9999", collector=first.collector, by=boss)  # other month

    rows = target_rows(collectors=[first.collector, second.collector], as_of=d("2026-10-20"))

    assert [r.target for r in rows] == [Decimal("7000"), Decimal("5000")]
    assert target_totals(rows).target == Decimal("12000")
    assert target_totals(rows).projected_gap == Decimal("12000")


def test_no_target_means_no_gap():
    portfolio = PortfolioFactory()

    (row,) = target_rows(collectors=[portfolio.collector], as_of=d("2026-10-20"))

    assert row.target is None and row.gap is None and row.projected_gap is None


def test_setting_a_target_again_replaces_it():
    portfolio = PortfolioFactory()
    boss = manager()
    monthly_target_set(month=date(2026, 10, 1), amount="5000", collector=portfolio.collector, by=boss)
    monthly_target_set(month=date(2026, 10, 31), amount="6000", collector=portfolio.collector, by=boss)

    assert list(MonthlyTarget.objects.values_list("month", "amount")) == [(date(2026, 10, 1), Decimal("6000.00"))]
    with pytest.raises(ValidationError):
        monthly_target_set(month=date(2026, 10, 1), amount="1", by=boss)


def test_manager_sets_a_target_on_the_page(client):
    portfolio = PortfolioFactory()
    client.force_login(manager())

    response = client.post(reverse("team_targets"), {"collector": portfolio.collector.pk, "month": "2026-10",
                                                     "amount": "8000.00"})

    assert response.status_code == 302
    assert MonthlyTarget.objects.get().amount == Decimal("8000.00")
    page = client.get(reverse("team_targets"), {"month": "2026-10"})
    assert page.status_code == 200
    assert page.context["rows"][0].target == Decimal("8000.00")
    download = client.get(reverse("team_targets"), {"month": "2026-10", "export": "targets", "format": "csv"})
    assert b"8000.00" in download.content


def test_finance_and_collectors_cannot_set_targets(client):
    portfolio = PortfolioFactory()
    data = {"collector": portfolio.collector.pk, "month": "2026-10", "amount": "1.00"}
    for user in (finance(), portfolio.collector):
        client.force_login(user)
        assert client.get(reverse("team_targets")).status_code == 200
        assert client.post(reverse("team_targets"), data).status_code == 403
    assert not MonthlyTarget.objects.exists()


def test_targets_page_queries_are_bounded(client, django_assert_max_num_queries):
    boss = manager()
    for _ in range(5):
        portfolio = PortfolioFactory()
        monthly_target_set(month=date(2026, 10, 1), amount="1000", collector=portfolio.collector, by=boss)
        for _ in range(4):
            customer = CustomerFactory(portfolio=portfolio)
            issue(customer, "2026-09-20", "100.00")
            pay(customer, "2026-10-02", "50.00")
    client.force_login(boss)

    # 16: the forecast inside reads the payment plans live at the as-of date (one query); 17: its
    # payment behaviour asks which closed months are stored (reporting.paid_months).
    with django_assert_max_num_queries(17):
        response = client.get(reverse("team_targets"), {"month": "2026-10"})

    assert len(response.context["rows"]) == 5
    assert response.context["total"].collected == Decimal("1000.00")
