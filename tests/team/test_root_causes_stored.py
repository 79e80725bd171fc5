"""Root causes' late payments from the stored month facts (issue 18): the whole stored months from
`PaidMonth`, the rest from the invoices, equal to the invoices alone to the representation whatever
was written after the months were taken."""

import dataclasses
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count, F, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger.models import Customer, Invoice
from ledger.services import payment_reverse
from reporting import paid_months
from reporting import root_causes as root_causes_module
from reporting.models import PaidMonth, PaidMonthTaken
from reporting.paid_months import WindowParts, window_parts
from reporting.root_causes import late_totals, months_back, root_causes
from tests.factories import CustomerFactory, PortfolioFactory, manager
from tests.reporting.factories import dispute, issue, pay
from tests.team.test_root_causes import _ago, _late_book

pytestmark = pytest.mark.django_db


def _book():
    """Two portfolios of late payers (USD and EUR at two rates, disputes), one account paid late
    today (this month: never stored) and one whose late payment in a stored month is kept to reverse."""
    mine = PortfolioFactory()
    _late_book(8, portfolio=mine)
    _late_book(6)
    today_payer = CustomerFactory(name="Today", portfolio=mine)
    invoice = issue(today_payer, _ago(45), "70.15", due=_ago(15))
    pay(today_payer, _ago(0), "70.15", (invoice, "70.15"))
    early = issue(today_payer, _ago(70), "12.34", due=_ago(40))
    pay(today_payer, _ago(50), "12.34", (early, "12.34"))  # paid before its due day: not late
    bounced = CustomerFactory(name="Bounced", portfolio=mine)
    invoice = issue(bounced, _ago(120), "999.99", due=_ago(90))
    dispute(bounced, [invoice], "pricing", opened_on=_ago(95))
    payment = pay(bounced, _ago(50), "999.99", (invoice, "999.99"))
    return mine, payment


def _taken():
    """The closed months taken as the nightly job does, nothing written in the last hour."""
    Invoice.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    paid_months.paid_months_take(paid_months.months_due(timezone.localdate()))


def _shown(value):
    """Every figure with its type and representation (an equal Decimal of another exponent shows)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _shown(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_shown(item) for item in value]
    return type(value).__name__, repr(value)


def _report(end=None, customers=None):
    end = end or timezone.localdate()
    return root_causes(start=months_back(end, 12), end=end, customers=customers)


def _equal_to_the_invoices(end=None, customers=None):
    """The report against the same report read from the invoices alone (no stored month)."""
    with mock.patch.object(root_causes_module, "window_parts",
                           lambda start, end: WindowParts([], [], [], [(start, end)])):
        expected = _report(end, customers)
    assert expected.late_by_month and expected.by_customer
    report = _report(end, customers)
    assert _shown(report) == _shown(expected)
    return report


def _late_count(report, name):
    return next((row["late_invoices"] for row in report.by_customer if row["customer"] == name), 0)


def test_the_take_stores_the_late_invoices_of_each_month():
    _book()
    _taken()
    months = paid_months.months_due(timezone.localdate())
    late = Invoice.objects.filter(status=Invoice.Status.PAID, closed_on__gte=months[0],
                                  closed_on__lt=months[-1] + timedelta(days=31), closed_on__gt=F("due_date"))
    stored = PaidMonth.objects.filter(month__in=months).aggregate(
        n=Sum("late_invoices"), c=Sum("late_cents"), w=Sum("late_weighted"))
    assert stored["n"] == late.count() > 0
    assert stored["c"] == sum(round(invoice.amount * 100) for invoice in late)
    assert stored["w"] == sum(round(invoice.amount * 100) * (invoice.closed_on - invoice.due_date).days
                              for invoice in late)
    assert PaidMonth.objects.filter(late_invoices=0).exists()  # paid on time or early: counted, not late


def test_stored_months_are_read_from_the_facts_and_the_rest_from_the_invoices():
    _book()
    _taken()
    with CaptureQueriesContext(connection) as queries:
        _report()
    sqls = [query["sql"] for query in queries]
    stored = [sql for sql in sqls if '"reporting_paidmonth"' in sql]
    invoices = [sql for sql in sqls if '"collections_app_invoice"' in sql and "SUM(" in sql]
    # The month groups; the customers' ranking (PostgreSQL: the rate keys and the rows converted by
    # the database; elsewhere the groups); the listed customers.
    assert len(stored) == (4 if connection.vendor == "postgresql" else 3), stored
    assert len(invoices) == 3  # this month so far, for each of the three groupings
    # The disputes, the first disputes' causes, the disputed late invoices; the taken months, who was
    # written since; per grouping this month's groups, the stored rows and their rates (PostgreSQL's
    # ranking: the stored rows' rate keys, their rates, the rows converted; this month's groups, in
    # the base currency: no rates to read); the names of customers tied without a dispute.
    assert len(sqls) == (16 if connection.vendor == "postgresql" else 15), [sql[:100] for sql in sqls]
    report = _equal_to_the_invoices()
    assert _late_count(report, "Today") == 1
    end = timezone.localdate()
    start = months_back(end, 12)
    stored = late_totals(start, end, window=window_parts(start, end))  # each account in USD and EUR
    assert _shown(stored) == _shown(late_totals(start, end, window=WindowParts([], [], [], [(start, end)])))
    _equal_to_the_invoices(timezone.localdate() - timedelta(days=35))  # a past day: its month so far from the invoices


def test_a_reversal_that_reopens_an_invoice_closed_late_in_a_stored_month_counts_at_once():
    _, payment = _book()
    _taken()
    assert _late_count(_report(), "Bounced") == 1
    payment_reverse(payment=payment, reason="Bounced")
    assert _late_count(_equal_to_the_invoices(), "Bounced") == 0  # listed still: its dispute


def test_a_back_dated_payment_into_a_stored_month_counts_at_once():
    _book()
    _taken()
    customer = Customer.objects.get(name="Today")
    invoice = issue(customer, _ago(100), "40.00", due=_ago(70))
    pay(customer, _ago(45), "40.00", (invoice, "40.00"))  # keyed now, dated in a stored month
    assert _late_count(_equal_to_the_invoices(), "Today") == 2


def test_an_invoice_written_just_after_the_cutoff_is_read_from_the_invoices():
    """What a writer whose transaction commits after the take leaves: an updated_at past the cutoff."""
    _book()
    _taken()
    invoice = Invoice.objects.get(customer__name="Bounced")
    cutoff = PaidMonthTaken.objects.get(month=invoice.closed_on.replace(day=1)).cutoff
    Invoice.objects.filter(pk=invoice.pk).update(closed_on=invoice.due_date - timedelta(days=1),
                                                 updated_at=cutoff + timedelta(seconds=1))  # paid on time after all
    assert _late_count(_equal_to_the_invoices(), "Bounced") == 0


def test_a_customers_scope_reads_only_its_stored_rows_and_its_written_customers():
    mine, _ = _book()
    _taken()
    scope = Customer.objects.filter(portfolio=mine)
    outside = Customer.objects.exclude(portfolio=mine).filter(invoices__isnull=False).first()
    inside = scope.get(name="Bounced")
    Invoice.objects.filter(customer__in=[outside, inside]).update(updated_at=timezone.now())  # written since
    report = _equal_to_the_invoices(customers=scope)
    assert {row["customer_id"] for row in report.by_customer} <= set(scope.values_list("pk", flat=True))
    assert len(report.by_customer) == scope.annotate(n=Count("invoices")).filter(n__gt=0).count() == 10


def test_many_customers_written_since_read_the_whole_window_from_the_invoices(monkeypatch):
    _book()
    _taken()
    Invoice.objects.update(updated_at=timezone.now())
    monkeypatch.setattr(paid_months, "CHANGED_MOST", 2)
    with CaptureQueriesContext(connection) as queries:
        _report()
    assert not any('"reporting_paidmonth"' in query["sql"] for query in queries)  # the taken months only
    _equal_to_the_invoices()


def test_the_page_on_stored_months_reads_the_same_queries_for_ten_or_forty_accounts(client):
    client.force_login(manager())
    _late_book(10)
    _taken()
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("root_causes")).status_code == 200
    _late_book(30)
    _taken()
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("root_causes"))
    assert response.status_code == 200 and len(response.context["report"].by_customer) == 20
    assert len(many) <= len(few) <= 21
