"""A closed month's forecast against actual is a stored fact: equal to its recomputation to the cent,
read with one query, recomputed while a back-dated write is pending and retaken by the refresh."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from core.money import CENT
from ledger.touch import touches_pending
from reporting import metrics, services
from reporting.models import MonthForecast
from reporting.tasks import ar_snapshot_nightly
from tests.factories import PortfolioFactory, collector
from tests.reporting.factories import issue, pay, rate, worked_example

pytestmark = pytest.mark.django_db
D = date(2026, 10, 31)
ENDS = [date(2026, 8, 31), date(2026, 9, 30), D]


def cents(rows: list[dict]) -> list[dict]:
    return [{k: v.quantize(CENT) if isinstance(v, Decimal) else v for k, v in row.items()} for row in rows]


def recomputed(**scope) -> list[dict]:
    """The same rows with nothing stored: straight from the ledger."""
    with transaction.atomic():
        MonthForecast.objects.all().delete()
        rows = metrics.forecast_vs_actual(as_of=D, months=3, **scope)
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def book(ledger_balances):
    example = worked_example(PortfolioFactory(collector=collector("month_facts")))
    rate("EUR", "2026-07-01", "1.10")
    rate("EUR", "2026-09-01", "1.0837")
    euro = issue(example["C1"], "2026-09-03", "333.33", due="2026-10-03", currency="EUR")
    pay(example["C1"], "2026-10-05", "200.00", (euro, "200.00"), currency="EUR")
    pay(example["C2"], "2026-10-12", "800.00", (example["I4"], "800.00"))
    ledger_balances()
    services.ar_snapshots_refresh()  # as the nightly job does first: the writes above are history now
    assert not touches_pending()
    return example


def test_stored_months_equal_their_recomputation_to_the_cent(book):
    live = recomputed()
    assert [m.ends_on for m in services.months_forecast_take(ENDS)] == ENDS
    assert MonthForecast.objects.count() == 3
    assert not touches_pending()  # so what follows is read from the stored rows (one query)
    assert cents(metrics.forecast_vs_actual(as_of=D, months=3)) == cents(live)
    assert any(row["actual"] for row in live) and any(row["forecast"] for row in live)  # not an empty book


def test_the_book_reads_stored_months_and_a_collector_computes_them(book, django_assert_max_num_queries):
    services.months_forecast_take(ENDS)
    MonthForecast.objects.filter(ends_on=D).update(forecast=Decimal("1.00"))  # proves it is a lookup
    with django_assert_max_num_queries(1):
        rows = metrics.forecast_vs_actual(as_of=D, months=3)
    assert rows[-1]["forecast"] == Decimal("1.00") and rows[-1]["difference"] == rows[-1]["actual"] - 1
    collector = book["C1"].portfolio.collector
    assert cents(metrics.forecast_vs_actual(as_of=D, months=3, collector=collector.pk)) == cents(
        recomputed(collector=collector.pk))


def test_a_back_dated_payment_is_recomputed_until_the_refresh_retakes_the_month(book, ledger_balances):
    services.months_forecast_take(ENDS)
    before = metrics.forecast_vs_actual(as_of=D, months=3)
    pay(book["C1"], "2026-09-20", "700.00", (book["I2"], "700.00"))  # keyed today, dated in September
    ledger_balances()
    assert touches_pending()
    after = metrics.forecast_vs_actual(as_of=D, months=3)
    assert cents(after) == cents(recomputed())
    assert after[1]["actual"] == before[1]["actual"] + Decimal("700.00")  # September's cash
    services.ar_snapshots_refresh()
    assert not touches_pending()
    assert MonthForecast.objects.get(ends_on=date(2026, 9, 30)).actual.quantize(CENT) == after[1]["actual"].quantize(
        CENT)
    assert cents(metrics.forecast_vs_actual(as_of=D, months=3)) == cents(after)


def test_the_nightly_job_stores_the_closed_months_once(book):
    due = services.months_forecast_due(today=date(2026, 11, 1))
    assert due[-1] == D and date(2026, 11, 30) not in due and due == sorted(due)
    ar_snapshot_nightly.apply()
    stored = set(MonthForecast.objects.values_list("ends_on", flat=True))
    assert set(ENDS) <= stored
    assert services.months_forecast_due() == []


def test_a_month_still_running_is_never_stored(book):
    with pytest.raises(ValueError):
        services.months_forecast_take([date(2099, 1, 31)])
