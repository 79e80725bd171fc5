"""The discrepancy rules (work.discrepancies.detect through discrepancies_scan): each kind flagged,
each with a close case that is not, and a rescan that flags nothing twice."""

from datetime import timedelta
from decimal import Decimal

import pytest

from ledger.models import Payment
from ledger.services import credit_note_apply, credit_note_issue, invoice_void, payment_reverse
from tests.factories import CustomerFactory, UserFactory
from tests.work.discrepancy_book import ISSUED, invoice, payment
from work.discrepancies.detect import number_key
from work.discrepancies.models import Discrepancy
from work.discrepancies.services import discrepancies_scan, discrepancy_dismiss
from work.models import QueueTask

pytestmark = pytest.mark.django_db
Kind = Discrepancy.Kind


def scan_invoices(*invoices):
    return discrepancies_scan(invoice_ids=[i.pk for i in invoices])


def kinds(flags):
    return sorted(flag.kind for flag in flags)


# --- Duplicate invoices -----------------------------------------------------------------------------------

def test_same_amount_a_few_days_apart_is_a_possible_duplicate_with_a_reason_to_read():
    customer = CustomerFactory()
    first = invoice(customer, "INV-1001")
    second = invoice(customer, "INV-2001", issued=ISSUED + timedelta(days=3))

    [flag] = scan_invoices(first, second)

    assert flag.kind == Kind.DUPLICATE_INVOICE and flag.customer == customer
    assert flag.invoice == second and flag.other_invoice == first  # the later one is the suspect
    assert flag.detail == "INV-1001 and INV-2001: same customer, same amount 4,200.00 USD, 3 days apart"
    assert flag.status == Discrepancy.Status.OPEN and 0 < flag.confidence < 100


def test_same_amount_further_apart_than_the_setting_is_not_flagged(settings):
    customer = CustomerFactory()
    first = invoice(customer, "INV-1001", po="PO-1")
    later = invoice(customer, "INV-2001", issued=ISSUED + timedelta(days=8), po="PO-2")

    assert scan_invoices(first, later) == []
    settings.DUPLICATE_INVOICE_DAYS = 8
    assert kinds(scan_invoices(first, later)) == [Kind.DUPLICATE_INVOICE]


def test_a_different_amount_or_another_customer_is_not_a_duplicate():
    customer, other = CustomerFactory(), CustomerFactory()
    first = invoice(customer, "INV-1001")
    dearer = invoice(customer, "INV-1002", "4200.01", issued=ISSUED + timedelta(days=1))
    elsewhere = invoice(other, "INV-1003", issued=ISSUED + timedelta(days=1))

    assert scan_invoices(first, dearer, elsewhere) == []


def test_same_po_months_apart_is_a_possible_duplicate_but_another_po_is_not():
    customer = CustomerFactory()
    first = invoice(customer, "INV-1001", po="PO-778")
    again = invoice(customer, "INV-2050", issued=ISSUED + timedelta(days=60), po="po-778 ")
    other_po = invoice(customer, "INV-3070", issued=ISSUED + timedelta(days=120), po="PO-779")

    [flag] = scan_invoices(first, again, other_po)

    assert {flag.invoice, flag.other_invoice} == {first, again}
    assert "same PO PO-778" in flag.detail


def test_the_same_number_written_differently_is_a_duplicate_but_the_next_number_is_not():
    assert number_key("INV-0012") == number_key("INV0012") == number_key("0012") == number_key("inv 12") == "12"
    customer = CustomerFactory()
    first = invoice(customer, "INV-0012")
    same = invoice(customer, "0012", issued=ISSUED + timedelta(days=40))
    following = invoice(customer, "INV-0013", issued=ISSUED + timedelta(days=80))

    [flag] = scan_invoices(first, same, following)

    assert {flag.invoice, flag.other_invoice} == {first, same}
    assert "the same number written differently" in flag.detail and flag.confidence >= 90


def test_near_identical_numbers_are_flagged_even_weeks_apart():
    customer = CustomerFactory()
    first = invoice(customer, "INV-1001")
    resent = invoice(customer, "INV-1001A", issued=ISSUED + timedelta(days=30))

    [flag] = scan_invoices(first, resent)

    assert flag.invoice == resent and "near-identical numbers" in flag.detail


def test_a_void_invoice_is_no_duplicate_any_more():
    customer = CustomerFactory()
    first = invoice(customer, "INV-1001")
    second = invoice(customer, "INV-1001A", issued=ISSUED + timedelta(days=2))
    invoice_void(invoice=second, reason="cancelled by the ERP", by=UserFactory())

    assert scan_invoices(first, second) == []


def test_an_invoice_is_compared_with_the_whole_book_not_only_the_scanned_ids():
    customer = CustomerFactory()
    old = invoice(customer, "INV-1001")
    new = invoice(customer, "INV-1001-B", issued=ISSUED + timedelta(days=5))

    [flag] = scan_invoices(new)

    assert flag.other_invoice == old


# --- Payments recorded twice ------------------------------------------------------------------------------

def test_a_payment_recorded_twice_on_the_same_day_is_flagged():
    customer = CustomerFactory()
    first = payment(customer, "PAY-1")
    second = payment(customer, "PAY-2")

    [flag] = discrepancies_scan(payment_ids=[second.pk])

    assert flag.kind == Kind.DUPLICATE_PAYMENT and flag.payment == second and flag.other_payment == first
    assert flag.detail == "PAY-1 and PAY-2: same customer, same amount 900.00 USD, received the same day"


def test_the_same_reference_on_another_day_is_a_payment_recorded_twice():
    customer = CustomerFactory()
    payment(customer, "PAY-1", reference="CHQ 4471")
    second = payment(customer, "PAY-2", received=ISSUED + timedelta(days=4), reference="chq 4471")

    [flag] = discrepancies_scan(payment_ids=[second.pk])

    assert "same reference CHQ 4471" in flag.detail


def test_the_same_amount_another_day_without_a_shared_reference_is_not_flagged():
    customer = CustomerFactory()
    payment(customer, "PAY-1", reference="CHQ 1")
    second = payment(customer, "PAY-2", received=ISSUED + timedelta(days=1), reference="CHQ 2")
    other_amount = payment(customer, "PAY-3", "901.00")

    assert discrepancies_scan(payment_ids=[second.pk, other_amount.pk]) == []


def test_a_reversed_payment_is_no_duplicate():
    customer = CustomerFactory()
    first = payment(customer, "PAY-1")
    second = payment(customer, "PAY-2")
    payment_reverse(payment=first, reason="bounced", by=UserFactory())

    assert Payment.objects.get(pk=first.pk).status == Payment.Status.REVERSED
    assert discrepancies_scan(payment_ids=[second.pk]) == []


# --- Credit notes larger than their invoice ---------------------------------------------------------------

def test_a_credit_note_applied_to_a_smaller_invoice_is_flagged():
    customer = CustomerFactory()
    small = invoice(customer, "INV-5", "1000.00")
    credit = credit_note_issue(customer=customer, external_id="CN-9", issue_date=ISSUED, amount="5000.00",
                               currency="USD")
    credit_note_apply(credit_note=credit, invoice=small, amount="1000.00", on=ISSUED)

    [flag] = discrepancies_scan(credit_note_ids=[credit.pk])

    assert flag.kind == Kind.CREDIT_EXCEEDS_INVOICE and flag.credit_note == credit and flag.invoice == small
    assert flag.detail == ("Credit note CN-9 (5,000.00 USD) applied to invoice INV-5 of only 1,000.00: "
                           "4,000.00 more than the invoice")


def test_a_credit_note_smaller_than_its_invoice_is_not_flagged():
    customer = CustomerFactory()
    big = invoice(customer, "INV-5", "1000.00")
    credit = credit_note_issue(customer=customer, external_id="CN-9", issue_date=ISSUED, amount="800.00",
                               currency="USD", invoice=big)

    assert discrepancies_scan(credit_note_ids=[credit.pk]) == []


def test_a_credit_note_naming_a_smaller_invoice_of_the_customer_is_flagged_but_not_another_customers():
    customer, other = CustomerFactory(), CustomerFactory()
    invoice(customer, "INV-77", "300.00")
    invoice(other, "INV-88", "300.00")
    named = credit_note_issue(customer=customer, external_id="CN-1", issue_date=ISSUED, amount="500.00",
                              currency="USD", reason="Credit for INV-77, damaged goods")
    not_theirs = credit_note_issue(customer=customer, external_id="CN-2", issue_date=ISSUED, amount="500.00",
                                   currency="USD", reason="Credit for INV-88")

    [flag] = discrepancies_scan(credit_note_ids=[named.pk, not_theirs.pk])

    assert flag.credit_note == named and "names invoice INV-77 of only 300.00" in flag.detail


# --- Due dates that do not follow the terms ---------------------------------------------------------------

def test_a_due_date_off_the_customers_terms_is_flagged_within_the_tolerance_it_is_not(settings):
    customer = CustomerFactory(payment_terms_days=30)
    long = invoice(customer, "INV-60", "10.00", terms=60)
    close = invoice(customer, "INV-32", "20.00", terms=32)
    exact = invoice(customer, "INV-30", "30.00")

    [flag] = scan_invoices(long, close, exact)

    assert flag.kind == Kind.TERMS_MISMATCH and flag.invoice == long
    assert flag.detail == ("INV-60: due 2026-10-31, 60 days after it was issued; the customer's terms are 30 days "
                           "(30 days more)")
    settings.DUE_DATE_TERMS_TOLERANCE_DAYS = 1
    assert [f.invoice for f in scan_invoices(long, close, exact)] == [close]


# --- Scanning again ---------------------------------------------------------------------------------------

def test_a_rescan_flags_nothing_twice_raises_one_task_per_flag_and_a_dismissed_flag_stays_dismissed():
    customer = CustomerFactory()
    first = invoice(customer, "INV-1001")
    second = invoice(customer, "INV-1001A", issued=ISSUED + timedelta(days=3))
    [flag] = scan_invoices(first, second)
    task = QueueTask.objects.get(key=f"discrepancy:{flag.pk}")
    assert task.kind == QueueTask.Kind.DISCREPANCY and task.status == QueueTask.Status.OPEN
    assert task.customer == customer and "INV-1001A" in task.title

    assert scan_invoices(first, second) == [] and scan_invoices(second) == []
    discrepancy_dismiss(discrepancy=flag, by=UserFactory(), note="two deliveries, two invoices")
    assert scan_invoices(first, second) == []

    assert Discrepancy.objects.get().status == Discrepancy.Status.DISMISSED
    assert QueueTask.objects.filter(kind=QueueTask.Kind.DISCREPANCY).count() == 1
    assert QueueTask.objects.get().status == QueueTask.Status.DONE


def test_a_large_scan_costs_a_few_queries_per_chunk_not_one_per_invoice(django_assert_max_num_queries):
    customers = [CustomerFactory() for _ in range(5)]
    invoices = [invoice(customers[n % 5], f"INV-{n:05d}", f"{100 + n}.00", issued=ISSUED + timedelta(days=n % 9))
                for n in range(300)]
    twins = [invoice(customers[n % 5], f"INV-{n:05d}-R", f"{100 + n}.00", issued=ISSUED + timedelta(days=n % 9))
             for n in range(0, 300, 30)]

    with django_assert_max_num_queries(15):
        flags = scan_invoices(*invoices, *twins)

    assert len([f for f in flags if f.kind == Kind.DUPLICATE_INVOICE]) == 10
    assert Decimal(flags[0].invoice.amount) > 0
