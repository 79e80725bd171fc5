"""Deciding a flag (confirm pauses a duplicate's dunning and asks for the ERP to cancel it; dismiss
closes it) and the worklist page: filters, decisions in place, who sees what, no N+1, the queue."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders.eligibility import invoices_blocked_from_dunning, invoices_still_reminded
from tests.factories import CustomerFactory, PortfolioFactory, collector, finance, manager
from tests.work.discrepancy_book import duplicate_pair, invoice
from work.discrepancies.models import Discrepancy
from work.discrepancies.services import (
    DiscrepancyError,
    discrepancies_scan,
    discrepancy_confirm,
    discrepancy_dismiss,
)
from work.models import QueueTask
from work.queue import scoring
from work.queue.models import QueueEntry
from work.queue.services import queue_build

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def mine():
    """A collector and an account of their portfolio."""
    alice = collector("alice")
    return alice, CustomerFactory(portfolio=PortfolioFactory(collector=alice), name="Acme Corp")


def test_confirming_a_duplicate_pauses_its_dunning_and_asks_for_the_erp_to_cancel_it(mine):
    alice, customer = mine
    flag = duplicate_pair(customer)
    suspect, original = flag.invoice, flag.other_invoice
    assert suspect.pk not in set(invoices_blocked_from_dunning().values_list("pk", flat=True))

    discrepancy_confirm(discrepancy=flag, by=alice, note="same delivery invoiced twice")

    flag.refresh_from_db()
    assert flag.status == Discrepancy.Status.CONFIRMED and flag.decided_by == alice and flag.decided_at
    blocked = set(invoices_blocked_from_dunning().values_list("pk", flat=True))
    assert suspect.pk in blocked and original.pk not in blocked
    assert invoices_still_reminded([suspect, original]) == [original]
    assert QueueTask.objects.get(key=f"discrepancy:{flag.pk}").status == QueueTask.Status.DONE
    follow_up = QueueTask.objects.get(key=f"discrepancy:{flag.pk}:follow-up")
    assert follow_up.title == "Duplicate: ask the ERP to cancel INV-1001A" and follow_up.status == QueueTask.Status.OPEN
    with pytest.raises(DiscrepancyError, match="Already confirmed by"):
        discrepancy_confirm(discrepancy=flag, by=alice)


def test_dismissing_needs_a_reason_closes_the_task_and_a_confirmed_duplicate_is_reminded_again(mine):
    alice, customer = mine
    flag = duplicate_pair(customer)
    with pytest.raises(DiscrepancyError, match="Say why"):
        discrepancy_dismiss(discrepancy=flag, by=alice, note="  ")
    discrepancy_confirm(discrepancy=flag, by=alice)

    discrepancy_dismiss(discrepancy=flag, by=alice, note="the ERP says both deliveries happened")

    flag.refresh_from_db()
    assert flag.status == Discrepancy.Status.DISMISSED and flag.note == "the ERP says both deliveries happened"
    assert flag.invoice.pk not in set(invoices_blocked_from_dunning().values_list("pk", flat=True))
    assert QueueTask.objects.get(key=f"discrepancy:{flag.pk}:follow-up").status == QueueTask.Status.CANCELLED
    with pytest.raises(DiscrepancyError, match="Already dismissed"):
        discrepancy_dismiss(discrepancy=flag, by=alice, note="again")


def test_an_open_flag_is_a_reason_on_the_accounts_queue(mine):
    _, customer = mine
    flag = duplicate_pair(customer)
    for current in (flag.invoice, flag.other_invoice):  # past due, so the account is worked today
        current.due_date = timezone.localdate() - timedelta(days=10)
        current.save(update_fields=["due_date"])

    queue_build(on=timezone.localdate())

    entry = QueueEntry.objects.get(day=timezone.localdate(), customer=customer)
    reasons = {reason["signal"]: reason for reason in entry.reasons}
    assert reasons["task_discrepancy"]["points"] == scoring.TASK_POINTS["discrepancy"]
    assert "inv-1001 and inv-1001a" in reasons["task_discrepancy"]["text"].lower()


def test_the_worklist_lists_open_flags_filters_by_kind_and_status_and_names_a_bad_filter(client, mine):
    alice, customer = mine
    flag = duplicate_pair(customer)
    terms = invoice(customer, "INV-LONG", "75.00", terms=90)
    discrepancies_scan(invoice_ids=[terms.pk])
    client.force_login(alice)

    page = client.get(reverse("discrepancies")).content.decode()
    assert "INV-1001 and INV-1001A: same customer, same amount 4,200.00 USD" in page
    assert "INV-LONG: due" in page and "Acme Corp" in page
    only_terms = client.get(reverse("discrepancies"), {"kind": "terms_mismatch"}).content.decode()
    assert "INV-LONG: due" in only_terms and "INV-1001A: same" not in only_terms
    discrepancy_dismiss(discrepancy=flag, by=alice, note="fine")
    assert "INV-1001A: same" not in client.get(reverse("discrepancies")).content.decode()
    assert "INV-1001A: same" in client.get(reverse("discrepancies"), {"status": "dismissed"}).content.decode()
    bad = client.get(reverse("discrepancies"), {"kind": "typo"}, headers=HX)
    assert bad.status_code == 200 and 'id="discrepancy-list"' in bad.content.decode()
    assert "Filter not applied" in bad.content.decode() and "typo is not one of the available choices" in (
        bad.content.decode())


def test_confirm_and_dismiss_answer_in_place_with_the_error_beside_the_form(client, mine):
    alice, customer = mine
    flag = duplicate_pair(customer)
    client.force_login(alice)

    refused = client.post(reverse("discrepancy_dismiss", args=[flag.pk]), {"note": ""}, headers=HX)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert body.lstrip().startswith(f'<tr id="discrepancy-{flag.pk}"') and "Say why this is not a problem" in body

    done = client.post(reverse("discrepancy_confirm", args=[flag.pk]), {"note": "twice"}, headers=HX)
    assert done.status_code == 200
    assert "Task raised: Duplicate: ask the ERP to cancel INV-1001A" in done.content.decode()
    assert "No reminders on INV-1001A while the ERP cancels it" in done.content.decode()
    again = client.post(reverse("discrepancy_confirm", args=[flag.pk]), {"note": ""})
    assert again.status_code == 302 and again.url == reverse("discrepancies")


def test_a_collector_sees_and_decides_only_their_accounts_and_finance_only_reads(client, mine):
    alice, customer = mine
    flag = duplicate_pair(customer)
    bob = collector("bob")
    client.force_login(bob)
    assert "INV-1001A" not in client.get(reverse("discrepancies")).content.decode()
    assert client.post(reverse("discrepancy_confirm", args=[flag.pk])).status_code == 404

    client.force_login(finance("fay"))
    page = client.get(reverse("discrepancies")).content.decode()
    assert "INV-1001A" in page and "Confirm</button>" not in page
    assert client.post(reverse("discrepancy_confirm", args=[flag.pk])).status_code == 403


def test_the_worklist_makes_the_same_few_queries_for_many_flags(client, django_assert_max_num_queries):
    boss = manager("boss")
    for n in range(25):
        customer = CustomerFactory()
        duplicate_pair(customer, f"INV-{n}")
        discrepancies_scan(invoice_ids=[invoice(customer, f"T-{n}", "10.00", terms=70).pk])
    client.force_login(boss)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("discrepancies"), {"status": "all"})

    assert response.status_code == 200 and response.content.decode().count('class="discrepancy-row') == 50


def test_the_queue_page_links_the_worklist(client, mine):
    alice, _ = mine
    client.force_login(alice)
    assert f'href="{reverse("discrepancies")}"' in client.get(reverse("queue")).content.decode()
