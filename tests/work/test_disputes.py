"""Disputes: opened from a call, kept out of dunning, updated, resolved, and listed for managers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ledger.models import CreditNote
from ledger.services import payment_receive
from reminders.eligibility import invoices_blocked_from_dunning
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, collector, finance, manager
from work import disputes
from work import services as work_services
from work.models import Activity, Dispute
from work.selectors import disputed_invoices

pytestmark = pytest.mark.django_db


def test_disputed_invoice_drops_out_of_dunning():
    customer = CustomerFactory()
    disputed, _undisputed = InvoiceFactory(customer=customer), InvoiceFactory(customer=customer)
    work_services.outcome_log(customer=customer, kind="call", outcome=Activity.Outcome.DISPUTED, by=None,
                              invoices=[disputed], dispute_root_cause=Dispute.RootCause.DAMAGED)
    assert set(invoices_blocked_from_dunning()) == {disputed}
    assert set(disputed_invoices()) == {disputed}
    dispute = Dispute.objects.get()
    assert dispute.amount == disputed.open_amount


def test_invoice_under_an_open_promise_is_blocked_until_its_date():
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer)
    promise = work_services.promise_record(customer=customer, amount="100.00", invoices=[invoice],
                                           pay_by=timezone.localdate())
    assert list(invoices_blocked_from_dunning()) == [invoice]
    promise.pay_by = timezone.localdate() - timedelta(days=1)
    promise.save()
    assert list(invoices_blocked_from_dunning()) == []


def test_resolved_dispute_puts_the_invoice_back_into_dunning():
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer)
    dispute = work_services.dispute_open(customer=customer, invoices=[invoice], amount="1000.00", root_cause="tax")
    disputes.dispute_resolve(dispute=dispute, resolution=Dispute.Resolution.CUSTOMER_PAYS, by=None)
    assert not invoices_blocked_from_dunning().exists()
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolved_on) == (Dispute.Status.RESOLVED, timezone.localdate())


def test_resolving_with_a_credit_issues_the_credit_note(ledger_balances):
    customer = CustomerFactory()
    first = InvoiceFactory(customer=customer, amount=Decimal("300.00"))
    second = InvoiceFactory(customer=customer, amount=Decimal("500.00"), due_date=first.due_date + timedelta(days=1))
    dispute = work_services.dispute_open(customer=customer, invoices=[first, second], amount="800.00",
                                         root_cause="pricing")
    # The customer paid 100.00 of the second invoice while the dispute was open.
    payment_receive(customer=customer, external_id="P-DSP", received_date=timezone.localdate(), amount="100.00",
                    currency="USD", applications=[(second, Decimal("100.00"))])
    disputes.dispute_resolve(dispute=dispute, resolution=Dispute.Resolution.CREDIT_ISSUED, by=None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.open_amount, second.open_amount) == (Decimal("0.00"), Decimal("0.00"))
    # What the invoices no longer owed stays as a usable credit.
    assert CreditNote.objects.filter(unapplied_amount=Decimal("100.00")).count() == 1
    ledger_balances()


def test_partial_credit_amount(ledger_balances):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=Decimal("1000.00"))
    dispute = work_services.dispute_open(customer=customer, invoices=[invoice], amount="1000.00", root_cause="quantity")
    disputes.dispute_resolve(dispute=dispute, resolution="credit_issued", credit_amount=Decimal("250.00"), by=None)
    invoice.refresh_from_db()
    assert invoice.open_amount == Decimal("750.00")
    ledger_balances()


def test_a_dispute_is_resolved_once():
    customer = CustomerFactory()
    dispute = work_services.dispute_open(customer=customer, invoices=[InvoiceFactory(customer=customer)],
                                         amount="10.00", root_cause="other")
    disputes.dispute_resolve(dispute=dispute, resolution="rejected", by=None)
    with pytest.raises(ValidationError):
        disputes.dispute_resolve(dispute=dispute, resolution="rejected", by=None)


def test_an_update_restarts_the_no_update_clock_and_shows_on_the_timeline():
    customer = CustomerFactory()
    dispute = work_services.dispute_open(customer=customer, invoices=[InvoiceFactory(customer=customer)],
                                         amount="10.00", root_cause="po")
    Dispute.objects.filter(pk=dispute.pk).update(last_update_at=timezone.now() - timedelta(days=20))
    disputes.dispute_update(dispute=dispute, by=None, note="Buyer sent the PO", status="in_review",
                                 owner="sales")
    dispute.refresh_from_db()
    assert (dispute.status, dispute.owner) == ("in_review", "sales")
    assert timezone.now() - dispute.last_update_at < timedelta(minutes=1)
    note = Activity.objects.get(customer=customer)
    assert "status Open → In review" in note.subject and note.notes == "Buyer sent the PO"


def test_managers_list_open_disputes_by_owner_and_age(client, django_assert_max_num_queries):
    boss = manager()
    portfolio = PortfolioFactory()
    for n in range(30):
        customer = CustomerFactory(portfolio=portfolio)
        dispute = work_services.dispute_open(customer=customer, invoices=[InvoiceFactory(customer=customer)],
                                             amount="100.00", root_cause="pricing",
                                             owner=["sales", "operations", "billing"][n % 3])
        Dispute.objects.filter(pk=dispute.pk).update(opened_on=timezone.localdate() - timedelta(days=n))
    client.force_login(boss)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("disputes"))
    assert response.status_code == 200
    by_owner = {row["owner"]: row for row in response.context["by_owner"]}
    assert by_owner["sales"]["count"] == 10 and by_owner["sales"]["oldest_days"] == 27
    assert by_owner["billing"]["amount"] == Decimal("1000.00")
    ages = [d.age for d in response.context["disputes"]]
    assert ages == sorted(ages, reverse=True) and ages[0] == 29
    response = client.get(reverse("disputes"), {"owner": "operations"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.count("<td>Operations</td>") == 10 and "<td>Sales</td>" not in body
    assert "<html" not in body


def test_collectors_and_finance_cannot_open_the_disputes_list(client):
    for user in (collector(), finance()):
        client.force_login(user)
        assert client.get(reverse("disputes")).status_code == 403


def test_collector_cannot_update_another_portfolios_dispute(client):
    customer = CustomerFactory(portfolio=PortfolioFactory())
    dispute = work_services.dispute_open(customer=customer, invoices=[InvoiceFactory(customer=customer)],
                                         amount="10.00", root_cause="po")
    client.force_login(collector())
    response = client.post(reverse("dispute_resolve", args=[dispute.pk]), {"resolution": "rejected"})
    assert response.status_code == 404
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.OPEN
