"""Promise settlement: kept = fully paid by the promised date (METRICS.md), else partially kept
or broken once the date has passed; every payment application and the nightly task settle."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger.services import credit_note_issue, payment_apply, payment_receive
from tests.factories import CustomerFactory, InvoiceFactory
from work import promises, tasks
from work import services as work_services
from work.models import PromiseToPay
from work.settlement import money_moved

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def promised():
    """A 1,000.00 invoice and a promise made 10 days ago to pay it 3 days ago."""
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, issue_date=today() - timedelta(days=60),
                             due_date=today() - timedelta(days=30), amount=Decimal("1000.00"))
    promise = work_services.promise_record(customer=customer, amount="1000.00", pay_by=today() - timedelta(days=3),
                                           invoices=[invoice])
    PromiseToPay.objects.filter(pk=promise.pk).update(created_at=timezone.now() - timedelta(days=10))
    return customer, invoice, promise


def pay(customer, invoice, amount, on, n=1):
    """Cash through the ledger, then the money-moved step every door calls."""
    payment = payment_receive(customer=customer, external_id=f"P{invoice.pk}-{n}", received_date=on, amount=amount,
                              currency="USD", applications=[(invoice, Decimal(amount))])
    money_moved(invoice_ids=[invoice.pk])
    return payment


def test_paid_in_full_before_the_date_is_kept(promised, ledger_balances):
    customer, invoice, promise = promised
    pay(customer, invoice, "1000.00", today() - timedelta(days=5))
    promise.refresh_from_db()
    assert (promise.status, promise.amount_paid) == (PromiseToPay.Status.KEPT, Decimal("1000.00"))
    ledger_balances()


def test_paid_in_full_on_the_date_is_kept(promised, ledger_balances):
    customer, invoice, promise = promised
    pay(customer, invoice, "1000.00", promise.pay_by)
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.KEPT
    ledger_balances()


def test_part_paid_by_the_date_is_partially_kept(promised, ledger_balances):
    customer, invoice, promise = promised
    pay(customer, invoice, "400.00", today() - timedelta(days=5))
    promise.refresh_from_db()
    assert (promise.status, promise.amount_paid, promise.settled_on) == (
        PromiseToPay.Status.PARTIALLY_KEPT, Decimal("400.00"), today())
    ledger_balances()


def test_paid_after_the_date_is_broken(promised, ledger_balances):
    customer, invoice, promise = promised
    pay(customer, invoice, "1000.00", today())
    promise.refresh_from_db()
    assert (promise.status, promise.amount_paid) == (PromiseToPay.Status.BROKEN, Decimal("0.00"))
    ledger_balances()


def test_part_before_and_rest_after_the_date_is_partially_kept(promised, ledger_balances):
    customer, invoice, promise = promised
    payment = payment_receive(customer=customer, external_id="P-LATE", received_date=today() - timedelta(days=4),
                              amount="1000.00", currency="USD", applications=[(invoice, Decimal("300.00"))])
    payment_apply(payment=payment, invoice=invoice, amount="700.00", on=today())
    money_moved(invoice_ids=[invoice.pk])
    promise.refresh_from_db()
    assert (promise.status, promise.amount_paid) == (PromiseToPay.Status.PARTIALLY_KEPT, Decimal("300.00"))
    ledger_balances()


def test_nothing_paid_is_broken_by_the_nightly_task(promised):
    *_, promise = promised
    assert tasks.promises_settle_nightly.delay().get() == 1
    promise.refresh_from_db()
    assert (promise.status, promise.settled_on) == (PromiseToPay.Status.BROKEN, today())


def test_a_promise_whose_date_has_not_come_stays_open_and_tracks_what_is_paid():
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=Decimal("1000.00"))
    promise = work_services.promise_record(customer=customer, amount="1000.00", pay_by=today() + timedelta(days=5),
                                           invoices=[invoice])
    pay(customer, invoice, "250.00", today())
    promise.refresh_from_db()
    assert (promise.status, promise.amount_paid) == (PromiseToPay.Status.OPEN, Decimal("250.00"))
    pay(customer, invoice, "750.00", today(), n=2)
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.KEPT


def test_cash_applied_before_the_promise_was_made_does_not_count(promised):
    customer, invoice, promise = promised
    pay(customer, invoice, "1000.00", today() - timedelta(days=20))
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.BROKEN


def test_a_credit_note_counts_towards_the_promise(promised, ledger_balances):
    customer, invoice, promise = promised
    credit_note_issue(customer=customer, external_id="CN1", issue_date=today() - timedelta(days=4), amount="1000.00",
                      currency="USD", invoice=invoice)
    money_moved(invoice_ids=[invoice.pk])
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.KEPT
    ledger_balances()


def test_a_promise_naming_no_invoice_covers_the_oldest_and_is_kept_by_cash_on_them():
    customer = CustomerFactory()
    oldest = InvoiceFactory(customer=customer, amount=Decimal("500.00"), due_date=today() - timedelta(days=40))
    InvoiceFactory(customer=customer, amount=Decimal("700.00"), due_date=today() - timedelta(days=10))
    promise = work_services.promise_record(customer=customer, amount="500.00", pay_by=today() - timedelta(days=1),
                                           source=PromiseToPay.Source.PORTAL)
    assert list(promise.invoices.all()) == [oldest]
    PromiseToPay.objects.filter(pk=promise.pk).update(created_at=timezone.now() - timedelta(days=5))
    payment_receive(customer=customer, external_id="P-ACC", received_date=today() - timedelta(days=2),
                    amount="500.00", currency="USD", applications=[(oldest, Decimal("500.00"))])
    promises.promises_settle(on=today())
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.KEPT


def test_settling_twice_changes_nothing_the_second_time(promised):
    assert promises.promises_settle() == 1
    assert promises.promises_settle() == 0


def test_settling_many_promises_is_a_fixed_number_of_queries(django_assert_max_num_queries):
    customer = CustomerFactory()
    for _ in range(60):
        invoice = InvoiceFactory(customer=customer, amount=Decimal("100.00"))
        work_services.promise_record(customer=customer, amount="100.00", pay_by=today() - timedelta(days=1),
                                     invoices=[invoice])
    with django_assert_max_num_queries(6):
        assert promises.promises_settle() == 60
    assert PromiseToPay.objects.filter(status=PromiseToPay.Status.BROKEN).count() == 60


def test_money_on_invoices_nobody_promised_or_planned_costs_one_query(django_assert_num_queries):
    invoice = InvoiceFactory(amount=Decimal("300.00"))
    with django_assert_num_queries(1):  # one question: does an open promise or a plan cover them?
        settled = money_moved(invoice_ids=[invoice.pk])
    assert (settled.promises, settled.plans) == (0, 0)


def test_money_on_a_promised_invoice_still_settles_its_promise(promised):
    customer, invoice, promise = promised
    payment_receive(customer=customer, external_id="P-once", received_date=today() - timedelta(days=5),
                    amount="1000.00", currency="USD", applications=[(invoice, Decimal("1000.00"))])
    assert money_moved(invoice_ids=[invoice.pk]).promises == 1
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.KEPT


def test_money_on_a_promised_invoice_asks_once_which_promises_cover_it(promised, django_assert_num_queries):
    customer, invoice, promise = promised
    payment_receive(customer=customer, external_id="P-asked", received_date=today() - timedelta(days=5),
                    amount="1000.00", currency="USD", applications=[(invoice, Decimal("1000.00"))])
    with django_assert_num_queries(3):  # which promises or plans cover it; those promises, locked; their new state
        assert money_moved(invoice_ids=[invoice.pk]).promises == 1
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.KEPT


def test_a_statements_worth_of_promises_settles_each_one_as_one_at_a_time_would():
    """Beyond a few promises the new states are written in bulk (COPY on PostgreSQL): each one is
    kept, partially kept, broken or tracks what was paid, exactly as a single settlement says."""
    customer = CustomerFactory()
    made = timezone.now() - timedelta(days=10)
    plan = []  # (promise, expected status, expected amount paid, settled today?)
    for n in range(30):
        kind = n % 4
        invoice = InvoiceFactory(customer=customer, amount=Decimal("100.00"), issue_date=today() - timedelta(days=60),
                                 due_date=today() - timedelta(days=30))
        pay_by = today() - timedelta(days=2) if kind < 3 else today() + timedelta(days=5)
        promise = work_services.promise_record(customer=customer, amount="100.00", pay_by=pay_by, invoices=[invoice])
        PromiseToPay.objects.filter(pk=promise.pk).update(created_at=made)
        paid = {0: "100.00", 1: "40.00", 2: None, 3: "30.00"}[kind]
        if paid:
            payment_receive(customer=customer, external_id=f"P-many-{n}", received_date=today() - timedelta(days=3),
                            amount=paid, currency="USD", applications=[(invoice, Decimal(paid))])
        status = [PromiseToPay.Status.KEPT, PromiseToPay.Status.PARTIALLY_KEPT, PromiseToPay.Status.BROKEN,
                  PromiseToPay.Status.OPEN][kind]
        plan.append((promise.pk, status, Decimal(paid or "0.00"), kind < 3))

    assert promises.promises_settle() == 23  # the 7 still open only track what was paid

    settled = {pk: (status, paid, on) for pk, status, paid, on in PromiseToPay.objects.values_list(
        "pk", "status", "amount_paid", "settled_on")}
    assert settled == {pk: (status, paid, today() if done else None) for pk, status, paid, done in plan}
