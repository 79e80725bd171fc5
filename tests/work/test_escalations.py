"""The escalation matrix and the queue's proposals to climb it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ledger.models import Contact
from ledger.services import payment_receive
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, collector
from work import services as work_services
from work.models import Activity, Escalation, EscalationLevel
from work.queue.models import QueueEntry
from work.queue.services import queue_build

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def account():
    customer = CustomerFactory(portfolio=PortfolioFactory())
    InvoiceFactory(customer=customer, issue_date=today() - timedelta(days=60), due_date=today() - timedelta(days=20),
                   amount=Decimal("5000.00"), external_id="INV-E1")
    clerk = ContactFactory(customer=customer, name="Cleo Clerk", role=Contact.Role.AP_CLERK)
    approver = ContactFactory(customer=customer, name="Avery Approver", role=Contact.Role.APPROVER, is_primary=False)
    return customer, clerk, approver


def reached(customer, contact, days_ago):
    return work_services.activity_log(customer=customer, kind="call", outcome=Activity.Outcome.REACHED,
                                      contact=contact, occurred_at=timezone.now() - timedelta(days=days_ago))


def proposal(customer):
    queue_build(on=today())
    return QueueEntry.objects.get(day=today(), customer=customer).escalation


def test_default_matrix_from_ap_clerk_to_collections_agency():
    assert list(EscalationLevel.objects.values_list("name", "contact_role")) == [
        ("AP clerk", "ap_clerk"), ("Approver", "approver"), ("Controller", "controller"), ("Sales rep", "sales_rep"),
        ("Collections manager", ""), ("Collections agency", ""),
    ]


def test_same_contact_reached_twice_without_progress_proposes_the_next_level(account):
    customer, clerk, approver = account
    reached(customer, clerk, 9)
    reached(customer, clerk, 2)
    offer = proposal(customer)
    assert offer["name"] == "Approver" and offer["contact"] == approver.pk
    assert offer["why"] == "Cleo Clerk reached 2 times without progress"
    entry = QueueEntry.objects.get(customer=customer)
    assert entry.next_action == "Escalate to the approver (Avery Approver)"
    assert "escalate: Cleo Clerk reached 2 times without progress" in [r["text"] for r in entry.reasons]


def test_reached_once_is_no_reason_to_escalate(account):
    customer, clerk, _ = account
    reached(customer, clerk, 2)
    assert proposal(customer) is None


def test_a_payment_in_between_is_progress(account):
    customer, clerk, _ = account
    reached(customer, clerk, 9)
    payment_receive(customer=customer, external_id="P-PROG", received_date=today() - timedelta(days=5),
                    amount="100.00", currency="USD")
    reached(customer, clerk, 2)
    assert proposal(customer) is None


def test_a_promise_in_between_is_progress(account):
    customer, clerk, _ = account
    reached(customer, clerk, 9)
    promise = work_services.promise_record(customer=customer, amount="100.00", pay_by=today() + timedelta(days=3))
    promise.created_at = timezone.now() - timedelta(days=5)
    promise.save()
    reached(customer, clerk, 2)
    assert proposal(customer) is None


def test_reaching_the_approver_twice_proposes_the_controller(account):
    customer, _, approver = account
    reached(customer, approver, 6)
    reached(customer, approver, 1)
    assert proposal(customer)["name"] == "Controller"


def test_once_escalated_the_proposal_waits_for_new_touches(account):
    customer, clerk, approver = account
    reached(customer, clerk, 9)
    reached(customer, clerk, 4)
    work_services.escalate(customer=customer, level=EscalationLevel.objects.get(order=2), to_contact=approver,
                           reason="clerk keeps saying next week", by=None)
    assert proposal(customer) is None


def test_invoice_awaiting_approval_over_3_days_asks_the_approver(account):
    customer, _, approver = account
    customer.invoices.update(approval_requested_on=today() - timedelta(days=5))
    offer = proposal(customer)
    assert (offer["name"], offer["contact_name"]) == ("Approver", "Avery Approver")
    assert offer["why"] == "invoice INV-E1 awaiting approval for 5 days"


def test_escalating_logs_who_to_whom_and_why_and_completes_the_item(account):
    customer, clerk, approver = account
    alice = customer.portfolio.collector
    reached(customer, clerk, 9)
    reached(customer, clerk, 2)
    queue_build(on=today())
    escalation = work_services.escalate(customer=customer, level=EscalationLevel.objects.get(order=2),
                                        to_contact=approver, reason="two calls, no date", by=alice)
    assert (escalation.by, escalation.to_contact, escalation.reason) == (alice, approver, "two calls, no date")
    assert QueueEntry.objects.get(customer=customer).status == QueueEntry.Status.DONE


def test_escalating_needs_a_reason_and_the_accounts_own_contact(account):
    customer, clerk, _ = account
    level = EscalationLevel.objects.get(order=2)
    with pytest.raises(ValidationError):
        work_services.escalate(customer=customer, level=level, reason=" ", by=None)
    stranger = ContactFactory()
    with pytest.raises(ValidationError):
        work_services.escalate(customer=customer, level=level, to_contact=stranger, reason="x", by=None)
    assert not Escalation.objects.exists()


def test_escalate_from_the_queue_panel(client, account):
    customer, clerk, approver = account
    reached(customer, clerk, 9)
    reached(customer, clerk, 2)
    queue_build(on=today())
    entry = QueueEntry.objects.get(customer=customer)
    client.force_login(customer.portfolio.collector)
    response = client.post(f"/queue/item/{entry.pk}/escalate/", {"level": entry.escalation["level"],
                           "contact": approver.pk, "reason": "no progress"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert Escalation.objects.get().to_contact == approver
    other = collector()
    client.force_login(other)
    assert client.post(f"/queue/item/{entry.pk}/escalate/", {"level": 1, "reason": "x"}).status_code == 404


def test_escalating_to_the_collections_manager_goes_to_the_teams_manager(account):
    from tests.factories import TeamFactory

    customer, *_ = account
    team = TeamFactory()
    customer.portfolio.team = team
    customer.portfolio.save()
    level = EscalationLevel.objects.get(name="Collections manager")
    escalation = work_services.escalate(customer=customer, level=level, reason="promised thrice, paid nothing",
                                        by=customer.portfolio.collector)
    assert escalation.to_user == team.manager
