"""Ledger corrections: reversals, write-offs and voids a manager makes; the approval threshold (in
the base currency), four eyes, rejection, the service's own bounds, and what settles afterwards."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

from collections_app.settings import envdecimal
from ledger import services as ledger
from ledger.models import FxRate, Invoice, Payment, WriteOff
from tests.factories import CustomerFactory, InvoiceFactory, UserFactory, collector, finance, manager, past_due_invoice
from work.corrections.models import LedgerCorrection
from work.corrections.services import CorrectionError, correction_approve, correction_reject, correction_request
from work.models import Activity
from work.plans.schedule import equal_amounts
from work.plans.services import plan_create
from work.settlement import money_moved

pytestmark = pytest.mark.django_db

D = Decimal
Kind, Status = LedgerCorrection.Kind, LedgerCorrection.Status


@pytest.fixture(autouse=True)
def _threshold(settings):
    settings.LEDGER_APPROVAL_THRESHOLD = D("1000.00")
    settings.BASE_CURRENCY = "USD"


def write_off(invoice, amount, by, reason="Customer insolvent"):
    return correction_request(customer=invoice.customer, kind=Kind.WRITE_OFF, invoice=invoice, amount=amount,
                              reason=reason, by=by)


def notes(customer) -> list[str]:
    return list(Activity.objects.filter(customer=customer, kind=Activity.Kind.NOTE)
                .order_by("occurred_at", "pk").values_list("subject", flat=True))


def test_write_off_below_the_threshold_is_done_at_once(ledger_balances):
    invoice = InvoiceFactory(amount=D("1500.00"))
    boss = manager()

    correction = write_off(invoice, "200.00", boss)

    invoice.refresh_from_db()
    assert (correction.status, correction.approval_required, correction.decided_by) == (Status.EXECUTED, False, None)
    assert invoice.open_amount == D("1300.00")
    assert (correction.write_off.amount, correction.write_off.reason, correction.write_off.created_by) == (
        D("200.00"), "Customer insolvent", boss)
    assert notes(invoice.customer) == [f"Ledger corrected: 200.00 USD written off on invoice {invoice}"]
    ledger_balances()


def test_the_threshold_itself_is_still_done_at_once(ledger_balances):
    invoice = InvoiceFactory(amount=D("1500.00"))
    assert write_off(invoice, "1000.00", manager()).status == Status.EXECUTED
    ledger_balances()


def test_above_the_threshold_a_second_manager_approves_and_it_executes(ledger_balances):
    invoice = InvoiceFactory(amount=D("5000.00"))
    asker, approver = manager(), manager()

    correction = write_off(invoice, "1500.00", asker)

    invoice.refresh_from_db()
    assert (correction.status, correction.approval_required, invoice.open_amount) == (
        Status.REQUESTED, True, D("5000.00"))
    assert not WriteOff.objects.exists()
    with pytest.raises(CorrectionError, match="four eyes"):
        correction_approve(correction=correction, by=asker, reason="Fine by me")

    approved = correction_approve(correction=correction, by=approver, reason="Insolvency confirmed")

    invoice.refresh_from_db()
    assert (approved.status, approved.decided_by, approved.decision_reason) == (
        Status.EXECUTED, approver, "Insolvency confirmed")
    assert approved.executed_at and approved.write_off.amount == D("1500.00")
    assert invoice.open_amount == D("3500.00")
    assert notes(invoice.customer) == [
        f"Correction requested: write off 1,500.00 USD on invoice {invoice} — waits for a second manager "
        f"(above 1,000.00 USD)",
        f"Correction approved: write off 1,500.00 USD on invoice {invoice}",
        f"Ledger corrected: 1,500.00 USD written off on invoice {invoice} (approved by {approver.username})",
    ]
    ledger_balances()


def test_a_second_approval_is_refused_and_nothing_moves_twice(ledger_balances):
    invoice = InvoiceFactory(amount=D("5000.00"))
    correction = write_off(invoice, "1500.00", manager())
    approver = manager()
    correction_approve(correction=correction, by=approver, reason="ok")

    for by in (approver, manager()):
        with pytest.raises(CorrectionError, match="already approved and executed"):
            correction_approve(correction=correction, by=by, reason="ok again")
        with pytest.raises(CorrectionError, match="already approved and executed"):
            correction_reject(correction=correction, by=by, reason="changed my mind")

    invoice.refresh_from_db()
    assert invoice.open_amount == D("3500.00") and WriteOff.objects.count() == 1
    ledger_balances()


def test_rejection_leaves_the_balances_untouched_and_the_request_as_history(ledger_balances):
    invoice = InvoiceFactory(amount=D("5000.00"))
    asker, other = manager(), manager()
    correction = write_off(invoice, "4000.00", asker)
    with pytest.raises(CorrectionError, match="four eyes"):
        correction_reject(correction=correction, by=asker, reason="withdrawn")
    with pytest.raises(CorrectionError, match="Say why you reject"):
        correction_reject(correction=correction, by=other, reason="  ")

    rejected = correction_reject(correction=correction, by=other, reason="They will pay after the audit")

    invoice.refresh_from_db()
    assert invoice.open_amount == D("5000.00") and not WriteOff.objects.exists()
    stored = LedgerCorrection.objects.get()
    assert (stored.status, stored.decided_by, stored.decision_reason, stored.executed_at) == (
        Status.REJECTED, other, "They will pay after the audit", None) == (
        rejected.status, rejected.decided_by, rejected.decision_reason, rejected.executed_at)
    assert notes(invoice.customer)[-1] == f"Correction rejected: write off 4,000.00 USD on invoice {invoice}"
    with pytest.raises(CorrectionError, match="already rejected"):
        correction_approve(correction=correction, by=manager(), reason="after all")
    ledger_balances()


@pytest.mark.parametrize("amount, message", [
    ("0", "Write off a positive amount, at most the 1,200.00 USD open"),
    ("0.00", "Write off a positive amount"),
    ("-50.00", "Write off a positive amount"),
    ("1200.01", "1,200.01 is more than the 1,200.00 USD open"),
    ("99999999999", "99,999,999,999.00 is more than the 1,200.00 USD open"),
    (D("99999999999.99"), "is more than the 1,200.00 USD open"),
    ("1e40", "is more than the 1,200.00 USD open"),
    ("10.005", "more than two decimals"),
    ("NaN", "Write off a positive amount"),
    ("Infinity", "Write off a positive amount"),
    ("a lot", "is not an amount"),
    (None, "is not an amount"),
])
def test_absurd_write_off_amounts_are_refused_by_the_service_itself(amount, message, ledger_balances):
    invoice = InvoiceFactory(amount=D("1500.00"))
    ledger.invoice_write_off(invoice=invoice, amount="300.00", reason="goodwill")

    with pytest.raises(CorrectionError, match=message):
        write_off(invoice, amount, manager())

    invoice.refresh_from_db()
    assert invoice.open_amount == D("1200.00")
    assert not LedgerCorrection.objects.exists() and WriteOff.objects.count() == 1
    ledger_balances()


@pytest.mark.parametrize("make_user", [collector, finance, lambda: UserFactory()])
def test_only_managers_and_admins_may_correct_or_decide(make_user):
    invoice = InvoiceFactory(amount=D("5000.00"))
    someone = make_user()
    with pytest.raises(CorrectionError, match="Only managers and admins correct the ledger"):
        write_off(invoice, "10.00", someone)
    pending = write_off(invoice, "2000.00", manager())
    with pytest.raises(CorrectionError, match="Only managers and admins approve"):
        correction_approve(correction=pending, by=someone, reason="ok")
    with pytest.raises(CorrectionError, match="Only managers and admins reject"):
        correction_reject(correction=pending, by=someone, reason="no")
    pending.refresh_from_db()
    assert pending.status == Status.REQUESTED


def test_an_admin_approves_a_managers_request(ledger_balances):
    invoice = InvoiceFactory(amount=D("5000.00"))
    pending = write_off(invoice, "2000.00", manager())
    admin = UserFactory(is_superuser=True)

    assert correction_approve(correction=pending, by=admin, reason="ok").status == Status.EXECUTED
    ledger_balances()


def test_a_reason_is_required_and_kept_short():
    invoice = InvoiceFactory(amount=D("500.00"))
    with pytest.raises(CorrectionError, match="Say why the ledger is corrected"):
        write_off(invoice, "10.00", manager(), reason=" ")
    with pytest.raises(CorrectionError, match="200 characters"):
        write_off(invoice, "10.00", manager(), reason="x" * 201)
    pending = write_off(InvoiceFactory(amount=D("5000.00")), "2000.00", manager())
    with pytest.raises(CorrectionError, match="Say why you approve"):
        correction_approve(correction=pending, by=manager(), reason="")


def test_a_document_of_another_account_is_refused():
    invoice = InvoiceFactory()
    with pytest.raises(CorrectionError, match="belongs to another account"):
        correction_request(customer=CustomerFactory(), kind=Kind.INVOICE_VOID, invoice=invoice, reason="error",
                           by=manager())


def receive(customer, invoice, amount, on=None, ref="P-1") -> Payment:
    return ledger.payment_receive(customer=customer, external_id=ref, received_date=on or timezone.localdate(),
                                  amount=amount, currency="USD", applications=[(invoice, D(amount))])


def test_a_payment_reversal_reopens_the_invoices_and_refuses_a_second_one(ledger_balances):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=D("800.00"))
    payment = receive(customer, invoice, "500.00")

    done = correction_request(customer=customer, kind=Kind.PAYMENT_REVERSAL, payment=payment,
                              reason="Cheque bounced", by=manager())

    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (done.status, done.amount, payment.status, payment.reversal_reason) == (
        Status.EXECUTED, D("500.00"), Payment.Status.REVERSED, "Cheque bounced")
    assert invoice.open_amount == D("800.00")
    assert notes(customer) == ["Ledger corrected: payment P-1 reversed (500.00 USD)"]
    assert list(Activity.objects.get(customer=customer).invoices.all()) == [invoice]
    with pytest.raises(ValidationError, match="Payment P-1 is already reversed"):
        correction_request(customer=customer, kind=Kind.PAYMENT_REVERSAL, payment=payment, reason="again",
                           by=manager())
    ledger_balances()


def test_a_reversal_waiting_for_approval_cannot_be_asked_twice(ledger_balances):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=D("3000.00"))
    payment = receive(customer, invoice, "2500.00")
    pending = correction_request(customer=customer, kind=Kind.PAYMENT_REVERSAL, payment=payment,
                                 reason="Keyed twice", by=manager())
    assert pending.status == Status.REQUESTED

    with pytest.raises(CorrectionError, match="already waiting for approval"):
        correction_request(customer=customer, kind=Kind.PAYMENT_REVERSAL, payment=payment, reason="Keyed twice",
                           by=manager())

    correction_approve(correction=pending, by=manager(), reason="Bank confirms the duplicate")
    invoice.refresh_from_db()
    assert invoice.open_amount == D("3000.00")
    ledger_balances()


def test_a_reversal_reopens_a_kept_plan_installment_through_money_moved(ledger_balances):
    customer = CustomerFactory()
    invoice = past_due_invoice(customer, "900.00", days=45)
    today = timezone.localdate()
    dates = [today + timedelta(days=10 + 30 * n) for n in range(3)]
    plan = plan_create(invoices=[invoice], installments=list(zip(dates, equal_amounts(D("900.00"), 3), strict=True)))
    payment = receive(customer, invoice, "300.00")
    money_moved(invoice_ids=[invoice.pk])
    assert plan.installments.get(number=1).status == "kept"

    correction_request(customer=customer, kind=Kind.PAYMENT_REVERSAL, payment=payment, reason="Cheque bounced",
                       by=manager())

    first = plan.installments.get(number=1)
    assert (first.status, first.amount_paid) == ("open", D("0.00"))
    ledger_balances()


def test_an_invoice_is_voided_only_while_nothing_was_applied_to_it(ledger_balances):
    customer = CustomerFactory()
    paid_on = InvoiceFactory(customer=customer, amount=D("400.00"))
    receive(customer, paid_on, "100.00")
    with pytest.raises(CorrectionError, match="reverse it first"):
        correction_request(customer=customer, kind=Kind.INVOICE_VOID, invoice=paid_on, reason="raised twice",
                           by=manager())

    wrong = InvoiceFactory(customer=customer, amount=D("400.00"))
    done = correction_request(customer=customer, kind=Kind.INVOICE_VOID, invoice=wrong, reason="Raised twice",
                              by=manager())

    wrong.refresh_from_db()
    assert (done.status, done.amount, wrong.status, wrong.open_amount, wrong.void_reason) == (
        Status.EXECUTED, D("400.00"), Invoice.Status.VOID, D("0.00"), "Raised twice")
    with pytest.raises(CorrectionError, match="is void"):
        correction_request(customer=customer, kind=Kind.INVOICE_VOID, invoice=wrong, reason="again", by=manager())
    ledger_balances()


def test_a_void_counts_the_invoice_amount_against_the_threshold(ledger_balances):
    invoice = InvoiceFactory(amount=D("1000.01"))
    pending = correction_request(customer=invoice.customer, kind=Kind.INVOICE_VOID, invoice=invoice,
                                 reason="Raised in error", by=manager())
    assert (pending.status, pending.amount) == (Status.REQUESTED, D("1000.01"))

    receive(invoice.customer, invoice, "10.00")  # cash arrived meanwhile: the ledger refuses the void
    with pytest.raises(ValidationError, match="reverse them first"):
        correction_approve(correction=pending, by=manager(), reason="ok")
    pending.refresh_from_db()
    invoice.refresh_from_db()
    assert (pending.status, invoice.status) == (Status.REQUESTED, Invoice.Status.OPEN)
    ledger_balances()


def test_the_threshold_is_in_the_base_currency_at_the_documents_date(ledger_balances):
    customer = CustomerFactory(currency="EUR")
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 8, 1), rate=D("1.10"))
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 12, 1), rate=D("2.00"))  # after the invoice date
    invoice = InvoiceFactory(customer=customer, currency="EUR", amount=D("5000.00"), issue_date=date(2026, 9, 1))

    small = write_off(invoice, "909.09", manager())  # 1,000.00 USD at 1.10
    large = write_off(invoice, "909.10", manager())  # 1,000.01 USD

    assert (small.status, small.amount_base) == (Status.EXECUTED, D("1000.00"))
    assert (large.status, large.amount_base, large.currency) == (Status.REQUESTED, D("1000.01"), "EUR")
    ledger_balances()


def test_a_currency_without_fx_rate_always_waits_for_approval():
    invoice = InvoiceFactory(currency="GBP", amount=D("50.00"))

    correction = write_off(invoice, "5.00", manager())

    assert (correction.status, correction.amount_base) == (Status.REQUESTED, None)
    assert "no FX rate for GBP" in notes(invoice.customer)[0]


@pytest.mark.parametrize("value", ["lots", "-1", "10.001", "NaN", "1e400000000"])
def test_a_bad_threshold_in_the_environment_fails_loudly(monkeypatch, value):
    monkeypatch.setenv("LEDGER_APPROVAL_THRESHOLD", value)
    with pytest.raises(ImproperlyConfigured, match="LEDGER_APPROVAL_THRESHOLD must be an amount"):
        envdecimal("LEDGER_APPROVAL_THRESHOLD", "1000.00")


def test_the_threshold_defaults_to_a_thousand(monkeypatch):
    monkeypatch.delenv("LEDGER_APPROVAL_THRESHOLD", raising=False)
    assert envdecimal("LEDGER_APPROVAL_THRESHOLD", "1000.00") == D("1000.00")
    monkeypatch.setenv("LEDGER_APPROVAL_THRESHOLD", "250")
    assert envdecimal("LEDGER_APPROVAL_THRESHOLD", "1000.00") == D("250.00")
