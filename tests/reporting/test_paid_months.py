"""The paid invoices of closed months stored as facts (issue 18): the payment behaviour reads whole
months from them and equals the ledger's own sums whatever was written after they were taken."""

from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger.fx import MissingFxRate
from ledger.models import FxRate, Invoice
from ledger.services import payment_reverse
from reporting import behaviour as behaviour_module
from reporting import frames, paid_months
from reporting.behaviour import window_start
from reporting.models import PaidMonth, PaidMonthTaken
from reporting.paid_months import WindowSums
from reporting.tasks import paid_months_take as nightly_take
from tests.factories import CustomerFactory
from tests.reporting.factories import issue, pay

pytestmark = pytest.mark.django_db
D = date(2026, 9, 14)  # the window: 2025-09-15 .. 2026-09-14, whole months October to August


def _book():
    FxRate.objects.create(currency="EUR", rate_date=date(2025, 1, 1), rate=Decimal("1.10000000"))
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 4, 1), rate=Decimal("1.20000000"))
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()
    paid = {}
    for customer, currency in ((a, "USD"), (a, "EUR"), (b, "EUR"), (c, "USD")):
        for issued, due, paid_on, amount in (
                ("2025-08-20", "2025-09-19", "2025-09-25", "33.10"),  # in the window's first, partial month
                ("2025-08-01", "2025-08-31", "2025-09-10", "12.00"),  # before the window
                ("2026-01-05", "2026-02-04", "2026-02-20", "100.10"),  # 16 days late
                ("2026-04-10", "2026-05-10", "2026-05-01", "250.33"),  # 9 days early
                ("2026-08-01", "2026-08-31", "2026-09-03", "75.25")):  # this month, not closed yet
            invoice = issue(customer, issued, amount, due=due, currency=currency)
            paid[(customer.pk, currency, paid_on)] = pay(customer, paid_on, amount, (invoice, amount),
                                                         currency=currency)
        issue(customer, "2026-09-01", "80.00", currency=currency)  # open
    return (a, b, c), paid


def _settled_an_hour_ago():
    """As a book is when the nightly job takes its months: nothing written in the last hour."""
    Invoice.objects.update(updated_at=timezone.now() - timedelta(hours=1))


def _behaviour_of_the_ledger(start: date, end: date):
    """The payment behaviour as the invoices alone give it (`frames.closed_sums`, no stored month)."""
    groups = frames.closed_sums(start, end)
    with mock.patch.object(behaviour_module, "window_sums", lambda start, end: WindowSums(groups)):
        return behaviour_module.payment_behaviour(end)


def _shown(behaviour) -> tuple:
    """Every figure, to its representation (an equal Decimal of another exponent would show)."""
    return ({k: {f: str(v) for f, v in row.items()} for k, row in behaviour.customers.items()},
            str(behaviour.book_days_late), str(behaviour.book_days_to_pay), behaviour.start)


def _equal_to_the_ledger(end: date = D):
    start = window_start(end)
    expected = _behaviour_of_the_ledger(start, end)
    assert expected.customers
    assert _shown(behaviour_module.payment_behaviour(end)) == _shown(expected)
    assert behaviour_module.payment_behaviour(end).customers == expected.customers


def _query_count_of(end: date) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        behaviour_module.payment_behaviour(end)
    return [q["sql"].lower() for q in queries]


def test_a_window_reads_its_whole_stored_months_from_the_facts_and_its_other_days_from_the_invoices():
    _book()
    _settled_an_hour_ago()
    taken = paid_months.paid_months_take(paid_months.months_due(D))
    assert [row.month for row in taken][0] == date(2025, 8, 1) and len(taken) == 13
    assert PaidMonthTaken.objects.get(month=date(2026, 2, 1)).groups == 4  # a USD, a EUR, b EUR, c USD
    queries = _query_count_of(D)
    stored = [sql for sql in queries if '"reporting_paidmonth"' in sql]
    invoices = [sql for sql in queries if '"collections_app_invoice"' in sql]
    if connection.vendor == "postgresql":
        # taken months, customers written since (none), the two partial months, the rates of their
        # groups; a window added up once (none taken here); the stored rows' rate keys, their rates,
        # their sums converted by the database
        assert len(queries) == 9, queries
        assert len(stored) == 2 and "sum(" in stored[-1] and "unnest" in stored[-1]
    else:  # SQLite: the stored rows' groups converted here, with the partial months'
        assert len(queries) == 6, queries
        assert len(stored) == 1
    assert len(invoices) == 3  # who was written since; the window's first month from the 15th; this month
    _equal_to_the_ledger()
    _equal_to_the_ledger(date(2026, 8, 31))  # whole months only: September to August
    _equal_to_the_ledger(date(2026, 2, 25))  # a window from 2025-02-26, before any stored month
    _equal_to_the_ledger(date(2027, 1, 10))  # stored months up to August, then the invoices


def test_a_reversal_that_reopens_an_invoice_paid_in_a_stored_month_counts_at_once():
    (a, b, c), paid = _book()
    _settled_an_hour_ago()
    paid_months.paid_months_take(paid_months.months_due(D))
    payment_reverse(payment=paid[(b.pk, "EUR", "2026-02-20")], reason="Bounced")
    assert not Invoice.objects.filter(customer=b, closed_on=date(2026, 2, 20)).exists()
    _equal_to_the_ledger()
    assert behaviour_module.payment_behaviour(D).customers[b.pk]["invoices"] == 3  # not February's any more


def test_a_back_dated_payment_into_a_stored_month_and_a_rate_added_later_count_at_once():
    (a, b, c), _ = _book()
    late = issue(c, "2026-03-01", "40.00", due="2026-03-31")
    _settled_an_hour_ago()
    paid_months.paid_months_take(paid_months.months_due(D))
    before = behaviour_module.payment_behaviour(D)
    pay(c, "2026-04-15", "40.00", (late, "40.00"))  # keyed today, dated in April: April is stored
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 1, 3), rate=Decimal("1.15000000"))  # January's issue day
    _equal_to_the_ledger()
    after = behaviour_module.payment_behaviour(D)
    assert after.customers[c.pk]["invoices"] == before.customers[c.pk]["invoices"] + 1
    assert after.customers[b.pk]["amount"] != before.customers[b.pk]["amount"]  # b pays in EUR only


def test_an_invoice_written_before_the_take_but_inside_the_margin_is_read_from_the_invoices():
    """A writer whose transaction commits after the month was read carries an earlier updated_at:
    the cutoff lies before the take by the margin (and the oldest open transaction)."""
    (a, b, c), paid = _book()
    _settled_an_hour_ago()
    paid_months.paid_months_take(paid_months.months_due(D))
    cutoff = PaidMonthTaken.objects.get(month=date(2026, 5, 1)).cutoff
    assert cutoff <= timezone.now() - paid_months.CLOCK_MARGIN
    # What such a late commit leaves: an invoice of May closed differently, updated_at just past the cutoff.
    invoice = Invoice.objects.get(customer=c, closed_on=date(2026, 5, 1))
    Invoice.objects.filter(pk=invoice.pk).update(closed_on=date(2026, 5, 20), updated_at=cutoff + timedelta(seconds=1))
    _equal_to_the_ledger()


def test_many_customers_written_since_read_the_whole_window_from_the_invoices(monkeypatch):
    _book()
    _settled_an_hour_ago()
    paid_months.paid_months_take(paid_months.months_due(D))
    Invoice.objects.update(updated_at=timezone.now())
    monkeypatch.setattr(paid_months, "CHANGED_MOST", 2)
    assert not any('"reporting_paidmonth"' in sql for sql in _query_count_of(D)[1:])  # the first: taken months
    _equal_to_the_ledger()


def test_taking_twice_keeps_one_set_of_rows_and_the_nightly_task_takes_the_closed_months():
    _book()
    _settled_an_hour_ago()
    paid_months.paid_months_take([date(2026, 2, 1)])
    paid_months.paid_months_take([date(2026, 2, 1)])
    assert PaidMonth.objects.filter(month=date(2026, 2, 1)).count() == 4
    months = nightly_take()
    today = timezone.localdate()
    assert months[-1] == (today.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()
    assert len(months) == paid_months.MONTHS_KEPT == PaidMonthTaken.objects.filter(
        month__lt=today.replace(day=1)).count()


def test_no_stored_month_reads_the_invoices_as_before():
    _book()
    assert len(_query_count_of(D)) == 3  # taken months (none), the invoices' sums, the rates
    _equal_to_the_ledger()


def test_a_currency_without_any_rate_in_a_stored_month_is_named():
    customer = CustomerFactory()
    invoice = issue(customer, "2026-01-05", "10.00", currency="CHF")
    pay(customer, "2026-02-01", "10.00", (invoice, "10.00"), currency="CHF")
    _settled_an_hour_ago()
    paid_months.paid_months_take(paid_months.months_due(D))
    with pytest.raises(MissingFxRate, match="CHF"):
        behaviour_module.payment_behaviour(D)


def test_gaps_and_runs_of_stored_months():
    months = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 4, 1)]
    runs = paid_months._runs(months)
    assert runs == [(date(2026, 1, 1), date(2026, 2, 28)), (date(2026, 4, 1), date(2026, 4, 30))]
    assert paid_months._gaps(date(2025, 12, 15), date(2026, 5, 3), runs) == [
        (date(2025, 12, 15), date(2025, 12, 31)), (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 5, 1), date(2026, 5, 3))]


def test_a_month_that_cannot_be_stored_is_named_and_the_others_are_taken(monkeypatch, caplog):
    _book()
    _settled_an_hour_ago()
    paid_months.paid_months_take([date(2026, 2, 1)])
    real = paid_months._take

    def take(month, cutoff):
        if month == date(2026, 2, 1):
            raise DataError("bigint out of range")
        return real(month, cutoff)

    monkeypatch.setattr(paid_months, "_take", take)
    taken = paid_months.paid_months_take([date(2026, 1, 1), date(2026, 2, 1), date(2026, 5, 1)])
    assert [row.month for row in taken] == [date(2026, 1, 1), date(2026, 5, 1)]
    assert "2026-02-01" in caplog.text and "64 bits" in caplog.text
    assert PaidMonth.objects.filter(month=date(2026, 2, 1)).count() == 4  # as it was taken before
    _equal_to_the_ledger()


# --- The stored months of a window, added up once in base (PostgreSQL) ---------------------------------------

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the window is added up by PostgreSQL")


def _window_taken(end: date = D):
    _settled_an_hour_ago()
    paid_months.paid_months_take(paid_months.months_due(D))
    return paid_months.paid_window_take(window_start(end), end)


def _read_from_the_window(end: date = D) -> bool:
    queries = _query_count_of(end)
    return any('"reporting_paidwindow"' in sql for sql in queries) and not any(
        "unnest" in sql for sql in queries)


@on_postgresql
def test_a_window_added_up_once_gives_the_ledgers_behaviour_from_one_row_per_customer():
    (a, b, c), _ = _book()
    taken = _window_taken()
    assert (taken.first_month, taken.last_month) == (date(2025, 10, 1), date(2026, 8, 1))
    assert taken.customers == 4  # a's USD and EUR rows, b's EUR, c's USD
    assert taken.rates == ["1.10000000", "1.20000000"]
    # taken months, written since, the two partial months and their rates; the window, its rates'
    # signature, its rows: no stored row joined to its rate
    queries = _query_count_of(D)
    assert len(queries) == 8, queries
    assert _read_from_the_window()
    _equal_to_the_ledger()
    # Taking again replaces it: one window, its rows only.
    again = paid_months.paid_window_take(window_start(D), D)
    assert list(paid_months.PaidWindowTaken.objects.values_list("pk", flat=True)) == [again.pk]
    assert paid_months.PaidWindow.objects.count() == 4
    _equal_to_the_ledger()


@on_postgresql
def test_a_window_is_not_used_once_a_rate_that_applies_to_it_or_one_of_its_months_changes():
    (a, b, c), paid = _book()
    _window_taken()
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 1, 3), rate=Decimal("1.15000000"))
    assert not _read_from_the_window()
    _equal_to_the_ledger()
    _window_taken()
    assert _read_from_the_window()
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 9, 10), rate=Decimal("1.30000000"))  # after it
    assert _read_from_the_window()
    FxRate.objects.filter(rate_date=date(2026, 4, 1)).update(rate=Decimal("1.25000000"))
    assert not _read_from_the_window()
    _equal_to_the_ledger()
    _window_taken()
    paid_months.paid_months_take([date(2026, 2, 1)])  # a month retaken: its cutoff is not the window's
    assert not _read_from_the_window()
    _equal_to_the_ledger()


@on_postgresql
def test_a_window_leaves_out_the_customers_written_since_and_reads_theirs_from_the_invoices():
    (a, b, c), paid = _book()
    _window_taken()
    payment_reverse(payment=paid[(b.pk, "EUR", "2026-02-20")], reason="Bounced")
    assert _read_from_the_window()
    _equal_to_the_ledger()
    assert behaviour_module.payment_behaviour(D).customers[b.pk]["invoices"] == 3


@on_postgresql
def test_a_window_that_cannot_be_added_up_is_named_and_the_months_are_read_as_they_are(caplog):
    customer = CustomerFactory()
    invoice = issue(customer, "2026-01-05", "10.00", currency="CHF")
    pay(customer, "2026-02-01", "10.00", (invoice, "10.00"), currency="CHF")
    assert _window_taken() is None
    assert "were not added up in base" in caplog.text
    with pytest.raises(MissingFxRate, match="CHF"):
        behaviour_module.payment_behaviour(D)


def test_the_nightly_task_adds_up_todays_window_on_postgresql_only():
    _book()
    _settled_an_hour_ago()
    nightly_take()
    windows = paid_months.PaidWindowTaken.objects.all()
    if connection.vendor == "postgresql":
        today = timezone.localdate()
        assert [w.last_month for w in windows] == [(today.replace(day=1) - timedelta(days=1)).replace(day=1)]
    else:
        assert not windows.exists()
