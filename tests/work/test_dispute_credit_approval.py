"""A dispute's credit is at most the disputed amount; above the asker's approval limit (per role) it
waits, on the timeline and the corrections pages, for a manager who is not the asker. Write-offs and
fee waivers have per-role limits too."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ledger.models import CreditNote, Invoice, WriteOff
from reminders.charge_decisions import charge_approve, charge_waive
from reminders.models import ChargeProposal
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, UserFactory, collector, manager
from work import disputes
from work import services as work_services
from work.corrections.limits import approval_limit
from work.corrections.models import LedgerCorrection
from work.corrections.services import CorrectionError, correction_approve, correction_reject, correction_request
from work.models import Activity, Dispute, PromiseToPay

pytestmark = pytest.mark.django_db
D = Decimal
Kind, Status = LedgerCorrection.Kind, LedgerCorrection.Status
CREDIT = Dispute.Resolution.CREDIT_ISSUED


def today() -> date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.BASE_CURRENCY = "USD"
    settings.LEDGER_APPROVAL_THRESHOLD = D("1000.00")
    settings.APPROVAL_LIMITS = {"collector": D("250.00")}


@pytest.fixture
def disputed():
    """A 26,497.64 invoice of Alice's account, disputed in full."""
    alice = collector("alice_dc")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    invoice = InvoiceFactory(customer=customer, amount=D("26497.64"))
    dispute = work_services.dispute_open(customer=customer, invoices=[invoice], amount=invoice.amount,
                                         root_cause=Dispute.RootCause.PRICING, by=alice)
    return alice, customer, invoice, dispute


def subjects(customer) -> list[str]:
    return list(Activity.objects.filter(customer=customer).order_by("occurred_at", "pk")
                .values_list("subject", flat=True))


def test_limits_are_per_role(settings):
    settings.APPROVAL_LIMITS = {"collector": D("250.00"), "admin": D("50000.00")}
    assert approval_limit(collector()) == D("250.00")
    assert approval_limit(manager()) == D("1000.00")  # LEDGER_APPROVAL_THRESHOLD
    assert approval_limit(UserFactory(is_superuser=True)) == D("50000.00")
    assert approval_limit(UserFactory()) == D("0.00")  # no role: everything waits


@pytest.mark.parametrize("amount, message", [
    ("99999999", "at most the disputed 26,497.64"),
    ("26497.65", "at most the disputed 26,497.64"),
    ("1e40", "at most the disputed 26,497.64"),
    ("-1.00", "must be positive"),
    ("0", "must be positive"),
    ("NaN", "must be positive"),
    ("abc", "not an amount"),
    ("10.001", "two decimals"),
])
def test_a_dispute_credit_is_at_most_the_disputed_amount(disputed, ledger_balances, amount, message):
    _alice, _customer, invoice, dispute = disputed
    with pytest.raises(ValidationError, match=message):
        disputes.dispute_resolve(dispute=dispute, resolution=CREDIT, credit_amount=amount, by=manager(),
                                 note="Price agreed")
    dispute.refresh_from_db()
    invoice.refresh_from_db()
    assert dispute.is_open and invoice.open_amount == D("26497.64")
    assert not CreditNote.objects.exists() and not LedgerCorrection.objects.exists()
    ledger_balances()


def test_a_credit_within_the_collectors_limit_is_issued_at_once(disputed, ledger_balances):
    alice, _customer, invoice, dispute = disputed
    resolved = disputes.dispute_resolve(dispute=dispute, resolution=CREDIT, credit_amount="250.00", by=alice)
    invoice.refresh_from_db()
    assert not resolved.is_open and invoice.open_amount == D("26247.64")
    assert not LedgerCorrection.objects.exists()
    ledger_balances()


def test_a_credit_above_the_limit_waits_for_a_second_manager_and_then_resolves(disputed, ledger_balances):
    alice, customer, invoice, dispute = disputed
    work_services.promise_record(customer=customer, amount="26497.64", pay_by=today() + timedelta(days=5),
                                 invoices=[invoice])
    boss, other = manager("boss_dc"), manager("other_dc")

    waiting = disputes.dispute_resolve(dispute=dispute, resolution=CREDIT, by=alice, note="Wrong price list")

    invoice.refresh_from_db()
    request = LedgerCorrection.objects.get()
    assert waiting.is_open and invoice.open_amount == D("26497.64") and not CreditNote.objects.exists()
    assert (request.kind, request.status, request.amount, request.reason, request.requested_by, request.invoice) == (
        Kind.DISPUTE_CREDIT, Status.REQUESTED, D("26497.64"), "Wrong price list", alice, invoice)
    assert subjects(customer)[-1] == (f"Credit requested: credit 26,497.64 USD to resolve dispute {dispute.pk} — "
                                      f"waits for a second manager (above 250.00 USD)")
    # Nothing else resolves it meanwhile, and the collector does not approve credits.
    with pytest.raises(ValidationError, match="waits for a manager's approval"):
        disputes.dispute_resolve(dispute=dispute, resolution=Dispute.Resolution.REJECTED, by=boss)
    with pytest.raises(CorrectionError, match="Only managers and admins approve"):
        correction_approve(correction=request, by=alice, reason="Mine")

    approved = correction_approve(correction=request, by=boss, reason="Price list checked")

    dispute.refresh_from_db()
    invoice.refresh_from_db()
    assert (approved.status, approved.decided_by) == (Status.EXECUTED, boss)
    assert (dispute.status, dispute.resolution) == (Dispute.Status.RESOLVED, CREDIT)
    assert invoice.open_amount == D("0.00")
    credit = CreditNote.objects.get()
    assert credit.amount == D("26497.64") and credit.applications.get().created_by == alice
    # money_moved settled the promise on the credited invoice.
    assert PromiseToPay.objects.get().status == PromiseToPay.Status.KEPT
    assert "Correction approved: credit 26,497.64 USD to resolve dispute" in " ".join(subjects(customer))
    with pytest.raises(CorrectionError, match="already approved and executed"):
        correction_approve(correction=request, by=other, reason="Again")
    assert CreditNote.objects.count() == 1
    ledger_balances()


def test_the_manager_who_asked_cannot_approve_their_own_credit(disputed, ledger_balances):
    _alice, _customer, _invoice, dispute = disputed
    boss = manager("boss_own")
    disputes.dispute_resolve(dispute=dispute, resolution=CREDIT, credit_amount="5000.00", by=boss,
                             note="Damaged pallets")
    request = LedgerCorrection.objects.get()
    with pytest.raises(CorrectionError, match="four eyes"):
        correction_approve(correction=request, by=boss, reason="Fine by me")
    assert not CreditNote.objects.exists()
    ledger_balances()


def test_a_rejected_credit_leaves_the_dispute_open_to_resolve_otherwise(disputed, ledger_balances):
    alice, _customer, _invoice, dispute = disputed
    disputes.dispute_resolve(dispute=dispute, resolution=CREDIT, credit_amount="900.00", by=alice, note="Goodwill")
    correction_reject(correction=LedgerCorrection.objects.get(), by=manager(), reason="No goodwill this year")
    dispute.refresh_from_db()
    assert dispute.is_open and not CreditNote.objects.exists()
    assert not disputes.dispute_resolve(dispute=dispute, resolution=Dispute.Resolution.CUSTOMER_PAYS,
                                        by=alice).is_open
    ledger_balances()


def test_a_credit_waiting_for_approval_needs_a_reason_and_a_person(disputed):
    alice, _customer, _invoice, dispute = disputed
    with pytest.raises(ValidationError, match="say why it is due"):
        disputes.dispute_resolve(dispute=dispute, resolution=CREDIT, credit_amount="900.00", by=alice, note=" ")
    with pytest.raises(ValidationError, match="asked for by a person"):
        disputes.dispute_resolve(dispute=dispute, resolution=CREDIT, credit_amount="5000.00", by=None, note="x")
    assert not LedgerCorrection.objects.exists()


def test_resolving_from_the_disputes_page_says_the_credit_waits_and_managers_see_it(client, disputed):
    alice, customer, _invoice, dispute = disputed
    client.force_login(alice)
    response = client.post(reverse("dispute_resolve", args=[dispute.pk]),
                           {"resolution": CREDIT, "credit_amount": "99999999", "note": "x"}, follow=True)
    assert "at most the disputed 26,497.64" in response.content.decode()
    response = client.post(reverse("dispute_resolve", args=[dispute.pk]),
                           {"resolution": CREDIT, "credit_amount": "1200.00", "note": "Short shipment"}, follow=True)
    assert "waits for a manager&#x27;s approval" in response.content.decode()
    client.force_login(manager())
    body = client.get(reverse("corrections_pending")).content.decode()
    assert "Dispute credit" in body and "Short shipment" in body and customer.name in body


def test_write_off_limits_are_per_role(settings, ledger_balances):
    settings.APPROVAL_LIMITS = {"collector": D("250.00"), "manager": D("100.00")}
    invoice = InvoiceFactory(amount=D("5000.00"))
    waits = correction_request(customer=invoice.customer, kind=Kind.WRITE_OFF, invoice=invoice, amount="200.00",
                               reason="Insolvent", by=manager())
    done = correction_request(customer=invoice.customer, kind=Kind.WRITE_OFF, invoice=invoice, amount="200.00",
                              reason="Insolvent", by=UserFactory(is_superuser=True))
    assert (waits.status, done.status) == (Status.REQUESTED, Status.EXECUTED)
    assert WriteOff.objects.get().amount == D("200.00")
    ledger_balances()


def _proposal(amount: str) -> ChargeProposal:
    source = InvoiceFactory(due_date=today() - timedelta(days=60), issue_date=today() - timedelta(days=90))
    return ChargeProposal.objects.create(customer=source.customer, invoice=source, kind=ChargeProposal.Kind.INTEREST,
                                         amount=D(amount), currency="USD", key=f"interest:{source.pk}:bounds")


def test_a_waiver_above_the_collectors_limit_waits_for_a_manager_within_a_managers_is_immediate():
    """Within the asker's limit a waiver is immediate; above it, it is asked and waits (four eyes:
    tests/reminders/test_waiver_approval.py decides it)."""
    proposal = _proposal("900.00")
    assert charge_waive(proposal=proposal, reason="Goodwill", by=collector()).status == ChargeProposal.Status.ASKED
    within = _proposal("800.00")
    assert charge_waive(proposal=within, reason="Goodwill", by=manager()).status == ChargeProposal.Status.WAIVED
    above = charge_waive(proposal=_proposal("1000.01"), reason="Goodwill", by=manager())
    assert above.status == ChargeProposal.Status.ASKED


def test_approving_a_charge_on_an_absurd_date_charges_nothing(ledger_balances):
    proposal = _proposal("25.00")
    with pytest.raises(ValidationError, match="not a plausible date"):
        charge_approve(proposal=proposal, by=manager(), on=date(9999, 12, 31))
    proposal.refresh_from_db()
    assert proposal.status == ChargeProposal.Status.PROPOSED
    assert not Invoice.objects.filter(document_type=Invoice.DocumentType.INTEREST).exists()
    ledger_balances()


def test_the_corrections_page_names_the_askers_own_limit(client, settings):
    settings.APPROVAL_LIMITS = {"collector": D("250.00"), "manager": D("100.00")}
    invoice = InvoiceFactory(amount=D("5000.00"))
    client.force_login(manager())
    response = client.post(reverse("correction_write_off", args=[invoice.customer_id]),
                           {"invoice": invoice.pk, "amount": "200.00", "reason": "Insolvent"}, follow=True)
    assert "waits for another manager or admin to approve it (above 100.00 USD)" in response.content.decode()


def test_a_manager_approves_the_dispute_credit_on_the_accounts_corrections_page(client, disputed, ledger_balances):
    alice, customer, invoice, dispute = disputed
    disputes.dispute_resolve(dispute=dispute, resolution=CREDIT, credit_amount="1200.00", by=alice,
                             note="Short shipment")
    request = LedgerCorrection.objects.get()
    client.force_login(manager())
    body = client.get(reverse("account_corrections", args=[customer.pk])).content.decode()
    assert f"credit 1,200.00 USD to resolve dispute {dispute.pk}" in body and "Short shipment" in body
    response = client.post(reverse("correction_approve", args=[customer.pk, request.pk]),
                           {"reason": "Delivery note checked"}, follow=True)
    assert f"Approved and done: 1,200.00 USD credited, dispute {dispute.pk} resolved." in response.content.decode()
    invoice.refresh_from_db()
    dispute.refresh_from_db()
    assert invoice.open_amount == D("25297.64") and not dispute.is_open
    ledger_balances()
