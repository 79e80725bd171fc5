"""A fee or interest waiver above the asker's approval limit waits for a manager whose limit covers
it and who did not ask (four eyes), with the reason, on the account's timeline."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ledger.models import Invoice
from reminders.charge_decisions import charge_approve, charge_waive, charge_waiver_decide
from reminders.models import ChargeProposal
from tests.factories import PortfolioFactory, UserFactory, collector, manager
from tests.reminders.factories import account, invoice
from work.models import Activity, QueueTask

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.BASE_CURRENCY = "USD"
    settings.LEDGER_APPROVAL_THRESHOLD = D("1000.00")
    settings.APPROVAL_LIMITS = {"collector": D("250.00")}


def _proposal(customer, *, amount="400.00", kind="fee") -> ChargeProposal:
    source = invoice(customer, due=date(2025, 3, 1), currency="USD")
    return ChargeProposal.objects.create(customer=customer, invoice=source, kind=kind, amount=D(amount),
                                         currency="USD", key=f"{kind}:{source.pk}:waiver-test",
                                         basis={"step": "Final reminder"})


def _subjects(customer) -> list[str]:
    return list(Activity.objects.filter(customer=customer).order_by("occurred_at", "pk")
                .values_list("subject", flat=True))


@pytest.fixture
def asked():
    """A 400.00 fee on Ann's account, waiver asked by Ann (limit 250.00)."""
    ann = collector("ann_w")
    customer = account(portfolio=PortfolioFactory(collector=ann))
    QueueTask.objects.create(customer=customer, kind=QueueTask.Kind.CHARGE_APPROVAL, title="approve")
    proposal = charge_waive(proposal=_proposal(customer), reason="Long-standing customer, first delay", by=ann)
    return ann, customer, proposal


def test_a_waiver_above_the_collectors_limit_is_asked_not_waived(asked):
    ann, customer, proposal = asked
    proposal.refresh_from_db()
    assert (proposal.status, proposal.waive_reason, proposal.waiver_asked_by, proposal.decided_by) == (
        "asked", "Long-standing customer, first delay", ann, None)
    assert proposal.waiver_asked_at is not None
    assert _subjects(customer) == [
        "Waiver asked: late-payment fee 400.00 USD on "
        f"{proposal.invoice} (above 250.00 USD), waiting for a manager's approval"]
    assert Activity.objects.get(customer=customer).notes == "Reason: Long-standing customer, first delay"
    # Still to decide: the account's task stays open, and it cannot be charged meanwhile.
    assert QueueTask.objects.get(customer=customer).status == QueueTask.Status.OPEN
    assert charge_approve(proposal=proposal, by=manager()).status == "asked"
    assert not Invoice.objects.filter(charge_for=proposal.invoice).exists()


def test_within_the_limit_it_is_waived_at_once():
    ann = collector("ann_w2")
    customer = account(portfolio=PortfolioFactory(collector=ann))
    proposal = charge_waive(proposal=_proposal(customer, amount="250.00"), reason="Goodwill", by=ann)
    assert (proposal.status, proposal.decided_by, proposal.waiver_asked_by) == ("waived", ann, ann)
    assert _subjects(customer) == []


def test_the_asker_cannot_approve_their_own_waiver(asked):
    ann, _, proposal = asked
    with pytest.raises(ValidationError, match="You asked for this waiver: another manager decides it."):
        charge_waiver_decide(proposal=proposal, approve=True, by=ann)


def test_a_manager_who_asked_cannot_approve_it_either():
    """A manager above their own limit asks too, and another manager decides."""
    boss, other = manager("boss_w"), manager("other_w")
    customer = account()
    proposal = charge_waive(proposal=_proposal(customer, amount="1500.00"), reason="Settlement", by=boss)
    assert proposal.status == "asked"
    with pytest.raises(ValidationError, match="You asked"):
        charge_waiver_decide(proposal=proposal, approve=True, by=boss)
    with pytest.raises(ValidationError, match=r"beyond your approval limit \(above 1,000.00 USD\)"):
        charge_waiver_decide(proposal=proposal, approve=True, by=other)
    proposal.refresh_from_db()
    assert proposal.status == "asked"


def test_another_manager_approves_and_both_are_kept(asked):
    ann, customer, proposal = asked
    boss = manager("boss_w3")
    waived = charge_waiver_decide(proposal=proposal, approve=True, by=boss, note="Fine by me")
    assert (waived.status, waived.decided_by, waived.waiver_asked_by, waived.waive_reason) == (
        "waived", boss, ann, "Long-standing customer, first delay")
    assert waived.decided_at is not None
    assert _subjects(customer)[-1] == (f"Waiver approved: late-payment fee 400.00 USD on {proposal.invoice}, "
                                       f"asked by ann_w")
    assert Activity.objects.filter(customer=customer).order_by("occurred_at", "pk").last().notes == (
        "Reason given: Long-standing customer, first delay\nNote: Fine by me")
    assert QueueTask.objects.get(customer=customer).status == QueueTask.Status.DONE
    assert not Invoice.objects.filter(charge_for=proposal.invoice).exists()


def test_a_collector_cannot_decide_even_within_their_limit(asked):
    _, _, proposal = asked
    with pytest.raises(ValidationError, match="Only a manager"):
        charge_waiver_decide(proposal=proposal, approve=True, by=collector("bob_w"))


def test_rejected_it_is_to_approve_again(asked):
    ann, customer, proposal = asked
    boss = manager("boss_w4")
    back = charge_waiver_decide(proposal=proposal, approve=False, by=boss, note="Charge it")
    assert (back.status, back.decided_by, back.waive_reason, back.waiver_asked_by) == ("proposed", None, "", None)
    assert _subjects(customer)[-1].startswith("Waiver rejected: late-payment fee 400.00 USD")
    assert QueueTask.objects.get(customer=customer).status == QueueTask.Status.OPEN
    # It can be asked again, or charged.
    assert charge_waive(proposal=back, reason="Asked again", by=ann).status == "asked"
    charge_waiver_decide(proposal=back, approve=False, by=boss)
    assert charge_approve(proposal=back, by=boss).status == "approved"


def test_a_double_or_absurd_decision_is_refused_and_changes_nothing(asked):
    _, customer, proposal = asked
    boss = manager("boss_w5")
    charge_waiver_decide(proposal=proposal, approve=True, by=boss)
    notes = Activity.objects.filter(customer=customer).count()
    for approve in (True, False):
        with pytest.raises(ValidationError, match="not waiting for approval"):
            charge_waiver_decide(proposal=proposal, approve=approve, by=manager("boss_w6"))
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("waived", boss)
    assert Activity.objects.filter(customer=customer).count() == notes
    # A proposal never asked cannot be "approved as a waiver" either.
    fresh = _proposal(customer, amount="10.00")
    with pytest.raises(ValidationError, match="not waiting for approval"):
        charge_waiver_decide(proposal=fresh, approve=True, by=boss)
    fresh.refresh_from_db()
    assert fresh.status == "proposed"
    # Asking twice is a no-op: the first ask stands.
    ann = collector("ann_w7")
    again = _proposal(account(portfolio=PortfolioFactory(collector=ann)))
    charge_waive(proposal=again, reason="first", by=ann)
    assert charge_waive(proposal=again, reason="second", by=ann).waive_reason == "first"


def test_above_every_limit_it_is_asked_and_a_role_whose_limit_covers_it_approves(settings):
    settings.APPROVAL_LIMITS = {"collector": D("250.00"), "admin": D("50000.00")}
    ann = collector("ann_w8")
    customer = account(portfolio=PortfolioFactory(collector=ann))
    proposal = charge_waive(proposal=_proposal(customer, amount="20000.00"), reason="Settlement", by=ann)
    assert proposal.status == "asked"
    with pytest.raises(ValidationError, match="beyond your approval limit"):
        charge_waiver_decide(proposal=proposal, approve=True, by=manager("boss_w8"))
    root = UserFactory(username="root_w8", is_superuser=True)
    assert charge_waiver_decide(proposal=proposal, approve=True, by=root).decided_by == root


def test_an_asked_waiver_needs_its_reason_and_asker_in_the_database():
    proposal = _proposal(account())
    with pytest.raises(IntegrityError), transaction.atomic():
        ChargeProposal.objects.filter(pk=proposal.pk).update(status="asked", waiver_asked_at=timezone.now())


# The pages --------------------------------------------------------------------------------------


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_waive_action_says_it_waits_and_the_page_lists_it_for_managers_who_may(client):
    ann = collector("ann_p")
    customer = account(portfolio=PortfolioFactory(collector=ann))
    proposal = _proposal(customer)
    client.force_login(ann)
    response = client.post(reverse("charge_waive", args=[proposal.pk]), {"reason": "Goodwill gesture"})
    assert any("waits for a manager's approval" in m for m in _messages(response))
    proposal.refresh_from_db()
    assert proposal.status == "asked"
    row = client.post(reverse("charge_waive", args=[proposal.pk]), {"reason": "again"}, HTTP_HX_REQUEST="true")
    assert "it waits for a manager" in row.content.decode()

    page = client.get(reverse("charges")).content.decode()
    assert "Waivers awaiting a manager" in page and "Goodwill gesture" in page
    assert reverse("charge_waiver_approve", args=[proposal.pk]) not in page  # the asker, a collector
    assert client.post(reverse("charge_waiver_approve", args=[proposal.pk])).status_code == 403

    client.force_login(manager("boss_p"))
    page = client.get(reverse("charges")).content.decode()
    assert "ann_p" in page and "400.00" in page and reverse("charge_waiver_approve", args=[proposal.pk]) in page
    response = client.post(reverse("charge_waiver_approve", args=[proposal.pk]))
    assert response.status_code == 302
    assert any("Waiver approved" in m for m in _messages(response))
    proposal.refresh_from_db()
    assert proposal.status == "waived"

    today = timezone.localdate()
    report = client.get(reverse("charge_waivers"), {"start": today, "end": today})
    assert [(r["asked_by"], r["waived_by"]) for r in report.context["rows"]] == [("ann_p", "boss_p")]
    assert "Asked by" in report.content.decode()


def test_the_manager_who_asked_sees_why_not_and_is_refused_with_a_message(client, settings):
    settings.APPROVAL_LIMITS = {"collector": D("250.00"), "admin": D("5000.00")}
    boss = manager("boss_q")
    proposal = charge_waive(proposal=_proposal(account(), amount="1200.00"), reason="Settlement", by=boss)
    client.force_login(boss)
    page = client.get(reverse("charges")).content.decode()
    assert "You asked for this waiver" in page
    assert reverse("charge_waiver_approve", args=[proposal.pk]) not in page
    response = client.post(reverse("charge_waiver_reject", args=[proposal.pk]))
    assert any("You asked for this waiver" in m for m in _messages(response))
    proposal.refresh_from_db()
    assert proposal.status == "asked"
    client.force_login(UserFactory(username="root_q", is_superuser=True))
    response = client.post(reverse("charge_waiver_reject", args=[proposal.pk]), {"note": "Charge it"})
    assert _messages(response)[-1].startswith("Waiver rejected")
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_the_charges_page_checks_each_asked_waiver_without_a_query_per_row(client, django_assert_max_num_queries):
    """Whether the manager may decide each asked waiver (its amount in base currency) comes from the
    list's own query: three or thirty waiting, the page costs the same."""
    ann = collector("ann_many")
    customer = account(portfolio=PortfolioFactory(collector=ann))

    def ask(n):
        for i in range(n):
            source = invoice(customer, due=date(2025, 3, 1), currency="EUR")
            proposal = ChargeProposal.objects.create(customer=customer, invoice=source, kind="fee", amount=D("400.00"),
                                                     currency="EUR", key=f"fee:{source.pk}:many-{i}")
            charge_waive(proposal=proposal, reason="Goodwill", by=ann)

    boss = manager("boss_many")
    client.force_login(boss)
    ask(3)
    with django_assert_max_num_queries(60) as few:
        assert client.get(reverse("charges")).status_code == 200
    ask(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("charges")).status_code == 200
