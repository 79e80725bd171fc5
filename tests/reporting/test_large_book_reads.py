"""How the reports read a large book (issue 18): the same figures, fewer and cheaper reads."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ledger.fx import rates_on
from ledger.models import Customer, FxRate, Invoice, Payment
from ledger.services import payment_reverse
from reporting import frames
from reporting.behaviour import payment_behaviour, window_start
from reporting.frames import closed_invoices, open_invoices_at
from tests.factories import CustomerFactory, PortfolioFactory, manager
from tests.portfolios.factories import team_book
from tests.reporting.factories import issue, pay

pytestmark = pytest.mark.django_db
D = date(2026, 9, 30)


def _mixed_book():
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 1, 1), rate=Decimal("1.10000000"))
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 6, 1), rate=Decimal("1.20000000"))
    a, b = CustomerFactory(), CustomerFactory()
    for customer, currency in ((a, "USD"), (a, "EUR"), (b, "EUR")):
        early = issue(customer, "2026-02-01", "100.10", due="2026-03-03", currency=currency)
        late = issue(customer, "2026-06-15", "250.33", due="2026-07-15", currency=currency)
        pay(customer, "2026-03-20", "100.10", (early, "100.10"), currency=currency)  # 17 days late
        pay(customer, "2026-07-10", "250.33", (late, "250.33"), currency=currency)  # 5 days early
        issue(customer, "2026-09-01", "75.00", currency=currency)  # open
    return a, b


def test_payment_behaviour_added_up_by_the_database_equals_the_frame_of_every_closed_invoice():
    a, b = _mixed_book()
    by_database = payment_behaviour(D)
    from_frame = payment_behaviour(D, closed_invoices(window_start(D), D))
    assert by_database.customers == from_frame.customers
    assert (by_database.book_days_late, by_database.book_days_to_pay) == (
        from_frame.book_days_late, from_frame.book_days_to_pay)
    # b: EUR only, 100.10 × 1.1 × 17 and 250.33 × 1.2 × (−5) over their sum
    early, late = Decimal("100.10") * Decimal("1.1"), Decimal("250.33") * Decimal("1.2")
    assert by_database.days_late(b.pk) == (early * 17 + late * -5) / (early + late)
    assert by_database.customers[a.pk]["invoices"] == 4


def test_closed_sums_look_up_no_rate_per_invoice_and_add_up_the_groups_sharing_a_rate():
    """A rate subquery per invoice was half of the read on the large book (53,000 lookups)."""
    a, b = _mixed_book()
    extra = issue(b, "2026-02-02", "10.00", due="2026-03-04", currency="EUR")  # another day, same rate
    pay(b, "2026-03-20", "10.00", (extra, "10.00"), currency="EUR")
    with CaptureQueriesContext(connection) as queries:
        sums = frames.closed_sums(window_start(D), D)
    assert len(queries) == 2 and "fxrate" not in queries[0]["sql"].lower()
    rows = {(r.customer_id, r.currency, r.rate): (r.cents, r.invoices) for r in sums.itertuples()}
    assert rows[(b.pk, "EUR", Decimal("1.10000000"))] == (10010 + 1000, 2)
    assert rows[(b.pk, "EUR", Decimal("1.20000000"))] == (25033, 1)
    assert rows[(a.pk, "USD", Decimal("1"))] == (10010 + 25033, 2)


def test_invoices_closed_now_are_open_at_the_month_ends_before_they_were_paid():
    customer = CustomerFactory()
    paid_in_august = issue(customer, "2026-06-01", "40.00")
    pay(customer, "2026-08-10", "40.00", (paid_in_august, "40.00"))
    still_open = issue(customer, "2026-07-01", "60.00")
    frames_at = open_invoices_at([date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31)])
    assert list(frames_at[date(2026, 6, 30)]["invoice_id"]) == [paid_in_august.pk]
    assert sorted(frames_at[date(2026, 7, 31)]["invoice_id"]) == sorted([paid_in_august.pk, still_open.pk])
    assert list(frames_at[date(2026, 8, 31)]["invoice_id"]) == [still_open.pk]


def test_the_candidates_are_two_plain_queries_not_an_or_over_the_movements():
    """An OR of "open now" and "IN (movements)" made PostgreSQL test the IN row by row once the
    movements outgrew work_mem: on the large book a query that never finished."""
    open_now, moved_since = frames._invoices_open_during(date(2026, 1, 31), D, frames.BOOK)
    for qs in (open_now, moved_since):
        assert " OR " not in str(qs.query)


def test_a_page_reads_the_open_invoices_at_a_date_once(client, settings, monkeypatch):
    settings.REPORT_CACHE_SECONDS = 0
    team_book()
    reads = []
    real = frames.open_invoices_at

    def counted(dates, scope=frames.BOOK):
        reads.append((tuple(dates), scope))
        return real(dates, scope)

    monkeypatch.setattr(frames, "open_invoices_at", counted)
    client.force_login(manager())
    assert client.get(reverse("team")).status_code == 200
    # The dashboard's own figures and its forecast (the targets) need today's open invoices: one read.
    assert reads and len(reads) == len(set(reads)), reads


def test_inside_a_shared_read_each_caller_gets_its_own_copy():
    customer = CustomerFactory()
    issue(customer, "2026-09-01", "10.00")
    with frames.reads_shared(), CaptureQueriesContext(connection) as queries:
        first = frames.open_invoices(D)
        first["open"] = None  # a caller changing its frame changes nothing for the next
        second = frames.open_invoices(D)
        second.loc[0, "open_base"] = Decimal("0")  # in place: the shallow copy is copied on write
        second.loc[0, "days_past_due"] += 1000
        again = frames.open_invoices(D)
    assert list(again["open"]) == [Decimal("10.00")] == list(again["open_base"])
    assert list(again["days_past_due"]) == [list(second["days_past_due"])[0] - 1000]
    assert len(queries) == 3  # the invoices, their customers and their later movements, read once


def test_late_payments_added_up_by_the_database_equal_the_invoices_one_by_one():
    from reporting.root_causes import UNDISPUTED, late_payment_groups
    from tests.reporting.factories import dispute

    a, b = _mixed_book()
    disputed = issue(b, "2026-04-01", "33.33", due="2026-05-01", currency="EUR")
    dispute(b, [disputed], "pricing", opened_on="2026-05-03", resolved_on="2026-05-20")
    dispute(b, [disputed], "tax", opened_on="2026-05-10", resolved_on="2026-05-21")  # the first one counts
    pay(b, "2026-05-21", "33.33", (disputed, "33.33"), currency="EUR")  # 20 days late
    start, end = date(2026, 1, 1), D
    frame = _late_one_by_one(start, end)
    by_customer = late_payment_groups(start, end, by="customer")
    assert set(by_customer["root_cause"]) == {UNDISPUTED, "pricing"}
    for (customer_id, cause), rows in frame.groupby(["customer_id", "root_cause"]):
        group = by_customer[(by_customer["customer_id"] == customer_id) & (by_customer["root_cause"] == cause)]
        assert list(group["invoices"]) == [len(rows)]
        assert list(group["base"]) == [sum(rows["base"], Decimal(0))]
        weighted = sum((b * d for b, d in zip(rows["base"], rows["days_late"], strict=True)), Decimal(0))
        assert list(group["weighted"]) == [weighted]
    by_month = late_payment_groups(start, end, by="month")
    assert sorted(set(by_month["month"])) == sorted(frame["month"].unique())
    assert by_month["invoices"].sum() == len(frame)


def test_unapplied_cash_and_credits_at_past_dates_are_the_stored_amounts_plus_what_was_applied_later():
    from django.utils import timezone

    from ledger.services import credit_note_apply, payment_apply, payment_reverse
    from reporting.frames import unapplied_at
    from tests.reporting.factories import credit

    customer = CustomerFactory()
    first, second = issue(customer, "2026-01-10", "100.00"), issue(customer, "2026-01-15", "60.00")
    pay(customer, "2026-03-01", "150.00", (first, "100.00"))  # 50 left from March
    later = pay(customer, "2026-02-01", "80.00")
    payment_apply(payment=later, invoice=second, amount=Decimal("30.00"), on=date(2026, 5, 1))  # 80, then 50
    bounced = pay(customer, "2026-02-01", "40.00")
    payment_reverse(payment=bounced, reason="Bounced")  # reversed today: unapplied on every day before
    note = credit(customer, "2026-02-01", "25.00")
    credit_note_apply(credit_note=note, invoice=second, amount=Decimal("25.00"), on=date(2026, 6, 1))
    expected = {
        date(2026, 1, 31): (Decimal("0"), Decimal("0")),
        date(2026, 2, 15): (Decimal("120.00"), Decimal("25.00")),
        date(2026, 4, 30): (Decimal("170.00"), Decimal("25.00")),
        date(2026, 5, 31): (Decimal("140.00"), Decimal("25.00")),
        date(2026, 6, 30): (Decimal("140.00"), Decimal("0")),
        timezone.localdate(): (Decimal("100.00"), Decimal("0")),
    }
    for day, (cash, credits) in expected.items():
        figures = unapplied_at(day)
        assert (figures["unapplied_cash"], figures["unapplied_credits"]) == (cash, credits), day


def _late_one_by_one(start: date, end: date) -> pd.DataFrame:
    """The late payments listed invoice by invoice, in Python: the reference the sums must equal."""
    rows = []
    for invoice in Invoice.objects.filter(status="paid", closed_on__range=(start, end)).prefetch_related(
            "disputes"):
        if invoice.closed_on <= invoice.due_date:
            continue
        first = min(invoice.disputes.all(), key=lambda dispute: (dispute.opened_on, dispute.pk), default=None)
        rate = rates_on([(invoice.currency, invoice.issue_date)])[(invoice.currency, invoice.issue_date)]
        rows.append({"customer_id": invoice.customer_id, "root_cause": first.root_cause if first else "undisputed",
                     "month": invoice.closed_on.strftime("%Y-%m"), "base": invoice.amount * rate,
                     "days_late": (invoice.closed_on - invoice.due_date).days})
    return pd.DataFrame(rows)


def test_cash_received_added_up_per_day_and_currency_equals_each_payment_at_its_rate():
    a, b = _mixed_book()
    pay(a, "2026-03-20", "40.05", currency="EUR")  # same day and currency as another: one group
    pay(b, "2026-05-31", "12.34", currency="EUR")  # the rate of 2026-01-01
    reversed_payment = pay(b, "2026-06-02", "99.99")
    payment_reverse(payment=reversed_payment, reason="bounced")
    with CaptureQueriesContext(connection) as queries:
        frame = frames.payments_received(date(2026, 1, 1), D)
    assert len(queries) == 2  # the sums, the rates
    one_by_one: dict = {}
    rates = {"USD": [(date(2000, 1, 1), Decimal(1))],
             "EUR": [(date(2026, 1, 1), Decimal("1.1")), (date(2026, 6, 1), Decimal("1.2"))]}
    for payment in Payment.objects.filter(status=Payment.Status.POSTED):
        rate = [r for on, r in rates[payment.currency] if on <= payment.received_date][-1]
        one_by_one[payment.received_date] = one_by_one.get(payment.received_date, Decimal(0)) + payment.amount * rate
    by_day = frame.groupby("on")["base"].agg(lambda s: sum(s, Decimal(0))).to_dict()
    assert by_day == one_by_one
    # a's USD payment, a's and b's EUR payments and the extra one, at January's rate
    assert by_day[date(2026, 3, 20)] == Decimal("100.10") + (2 * Decimal("100.10") + Decimal("40.05")) * Decimal("1.1")
    assert date(2026, 6, 2) not in by_day  # bounced
    assert set(frame["collector"]) == {"(unassigned)"}


def test_ar_by_bucket_from_the_open_sums_equals_the_invoices_one_by_one():
    """`open_sums_at` (per currency, issue day and due day, added up by the database) gives the same
    buckets at every date as the frame of every open invoice, movements after the date included:
    payments, a reversal, a write-off, foreign currency at the issue day's rate."""
    from django.utils import timezone

    from ledger.services import invoice_write_off, payment_reverse
    from reporting.aging import bucket_totals

    a, b = _mixed_book()
    a.portfolio = PortfolioFactory()
    a.save(update_fields=["portfolio"])
    eur = issue(a, "2026-05-20", "300.00", due="2026-06-19", currency="EUR")
    pay(a, "2026-08-01", "120.00", (eur, "120.00"), currency="EUR")
    bounced = pay(b, "2026-07-01", "75.00", (issue(b, "2026-06-01", "75.00", due="2026-07-01"), "75.00"))
    payment_reverse(payment=bounced, reason="Bounced")  # open again from today's reversal
    gone = issue(b, "2026-04-01", "500.00", due="2026-05-01")
    invoice_write_off(invoice=gone, amount=Decimal("500.00"), reason="bankrupt", on=date(2026, 8, 20))
    dates = [date(2026, 3, 1), date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 19), D, timezone.localdate()]
    for scope in (frames.BOOK, frames.Scope(currency="EUR"), frames.Scope(collector=a.portfolio.collector_id)):
        expected = {day: bucket_totals(frame) for day, frame in open_invoices_at(dates, scope).items()}
        with CaptureQueriesContext(connection) as queries:
            sums = frames.open_sums_at(dates, scope)
        assert len(queries) <= 3  # stored sums, movements, rates (none without a foreign currency)
        assert {day: bucket_totals(frame) for day, frame in sums.items()} == expected
    assert bucket_totals(frames.open_sums_at([date(2026, 8, 19)])[date(2026, 8, 19)])["91+"] == Decimal("500.00")


def test_inside_a_shared_read_credit_sales_read_only_the_days_not_read_yet():
    from reporting.frames import credit_sales_daily, reads_shared
    from tests.reporting.factories import credit

    a, b = _mixed_book()
    credit(a, "2026-06-15", "50.00", currency="EUR")
    issue(b, "2026-09-30", "10.00")
    spans = [(date(2026, 2, 1), date(2026, 8, 31)), (date(2026, 6, 1), D), (date(2026, 1, 1), date(2026, 3, 1)),
             (date(2026, 6, 15), date(2026, 6, 15)), (date(2026, 7, 1), date(2026, 7, 31))]
    alone = [credit_sales_daily(start, end) for start, end in spans]
    with reads_shared():
        with CaptureQueriesContext(connection) as queries:
            shared = [credit_sales_daily(start, end) for start, end in spans]
    for one, other in zip(alone, shared, strict=True):
        assert one["on"].tolist() == other["on"].tolist() and one["base"].tolist() == other["base"].tolist()
    sums = [q for q in queries if "SUM" in q["sql"]]
    assert len(sums) == 3  # the first span, the days after it to D, the days before it; then nothing


@pytest.mark.parametrize("group_by", [None, "collector", "segment"])
def test_todays_aging_from_group_sums_equals_the_frame_of_every_invoice(group_by):
    """`open_groups_at` adds up and counts per collector or segment in the database; an invoice
    moved after the date (a payment dated tomorrow) is read one by one. Same report as the frame."""
    from datetime import timedelta

    from django.utils import timezone

    from ledger.services import payment_apply
    from reporting.aging import aging, report_of
    from reporting.frames import open_groups_at, open_invoices

    a, b = _mixed_book()
    a.portfolio = PortfolioFactory()
    a.segment = "retail"
    a.save(update_fields=["portfolio", "segment"])
    today = timezone.localdate()
    tomorrow_paid = issue(b, "2026-08-01", "40.00", due="2026-08-31")
    payment_apply(payment=pay(b, "2026-09-01", "40.00"), invoice=tomorrow_paid, amount=Decimal("40.00"),
                  on=today + timedelta(days=1))
    for scope in ({}, {"currency": "EUR"}, {"collector": a.portfolio.collector_id}):
        expected = report_of(open_invoices(today, frames.Scope(**scope)), today, group_by)
        got = aging(as_of=today, group_by=group_by, with_unapplied=False, **scope)
        assert (got.total, got.buckets, got.invoices) == (expected.total, expected.buckets, expected.invoices)
        assert [line.as_dict() for line in got.rows] == [line.as_dict() for line in expected.rows]
    with CaptureQueriesContext(connection) as queries:
        sums = open_groups_at(today, frames.BOOK, ("collector",) if group_by == "collector" else ())
    assert len(queries) <= 4  # the sums, the moved invoices, their movements, the rates
    assert int(sums["invoices"].sum()) == len(open_invoices(today)) == 4  # the moved one still open today


def test_the_invoices_customers_read_by_their_ids_or_all_at_once_give_the_same_frame(monkeypatch):
    """Up to FEW_CUSTOMERS the open invoices' customers are read by their ids, beyond that every
    customer is read: the frame is the same, column for column and type for type."""
    a, b = _mixed_book()
    Customer.objects.filter(pk=a.pk).update(portfolio=PortfolioFactory())  # b has no collector: NaN beside ids
    CustomerFactory(portfolio=PortfolioFactory())  # owing nothing: read only when every customer is
    by_ids = open_invoices_at([D])[D]
    assert by_ids["collector_id"].isna().any() and not by_ids["collector_id"].isna().all()
    monkeypatch.setattr(frames, "FEW_CUSTOMERS", 0)
    every = open_invoices_at([D])[D]
    pd.testing.assert_frame_equal(by_ids, every, check_exact=True)
    assert list(by_ids.columns) == frames.INVOICE_COLUMNS + ["open", "open_base", "days_past_due", "bucket"]
    assert set(by_ids["customer_id"]) == {a.pk, b.pk}
