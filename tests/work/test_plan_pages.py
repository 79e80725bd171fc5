"""Plan pages: offering a plan (with its live preview) from the account and from the queue,
renegotiating and cancelling, the workspace panel, the queue signal, the API; and who may do it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.services import payment_receive
from tests.factories import CustomerFactory, PaymentPlanFactory, PortfolioFactory, collector, finance, past_due_invoice
from work.plans.models import PaymentPlan
from work.plans.services import plans_settle
from work.queue import scoring
from work.queue.models import QueueEntry
from work.queue.services import queue_build

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def book():
    portfolio = PortfolioFactory()
    customer = CustomerFactory(portfolio=portfolio, name="Northwind")
    old = past_due_invoice(customer, "700.00", days=50)
    new = past_due_invoice(customer, "300.00", days=20)
    return portfolio.collector, customer, old, new


def plan_post(invoices, *, count=3, first=None, split="equal", **extra):
    data = {"invoices": [i.pk for i in invoices], "count": count, "interval": "monthly", "split": split,
            "first_due": (first or today() + timedelta(days=7)).isoformat(), "note": "Agreed on the phone"}
    data.update(extra)
    return data


def test_preview_shows_the_equal_installments_and_what_is_left_to_plan(client, book):
    user, customer, old, new = book
    client.force_login(user)

    response = client.get(reverse("plan_preview", args=[customer.pk]), plan_post([old, new]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200 and 'id="plan-preview"' in html and "<html" not in html
    assert html.count('class="plan-row"') == 3 and "333.34" in html
    assert "1,000.00 of 1,000.00 USD planned" in html

    custom = client.get(reverse("plan_preview", args=[customer.pk]), {
        **plan_post([old, new], count=2, split="custom"), "row_due": [(today() + timedelta(days=3)).isoformat(),
                                                                      (today() + timedelta(days=9)).isoformat()],
        "row_amount": ["400.00", "500.00"]}).content.decode()
    assert 'name="row_amount" value="400.00"' in custom and "100.00 still to plan" in custom


def test_collector_offers_a_plan_from_the_account(client, book):
    user, customer, old, new = book
    client.force_login(user)
    assert client.get(reverse("plan_new", args=[customer.pk])).status_code == 200

    response = client.post(reverse("plan_new", args=[customer.pk]), plan_post([old, new]))

    assert response.status_code == 302 and response["Location"].endswith(f"/accounts/{customer.pk}/#plans")
    plan = PaymentPlan.objects.get()
    assert plan.by == user and plan.total_amount == Decimal("1000.00") and plan.installments.count() == 3
    html = client.get(reverse("account", args=[customer.pk])).content.decode()
    assert 'id="plan-' in html and "On track" in html and "remaining <strong>1,000.00" in html


def test_custom_amounts_must_add_up_and_the_page_says_so(client, book):
    user, customer, old, new = book
    client.force_login(user)

    response = client.post(reverse("plan_new", args=[customer.pk]), {
        **plan_post([old, new], count=2, split="custom"),
        "row_due": [(today() + timedelta(days=3)).isoformat(), (today() + timedelta(days=9)).isoformat()],
        "row_amount": ["400.00", "500.00"]})

    assert response.status_code == 422
    assert "The installments add up to 900.00; the invoices have 1,000.00 open." in response.content.decode()
    assert not PaymentPlan.objects.exists()


def test_renegotiate_and_cancel_from_the_account(client, book):
    user, customer, old, new = book
    plan = PaymentPlanFactory(customer=customer, invoices=[old, new])
    client.force_login(user)

    response = client.post(reverse("plan_renegotiate", args=[customer.pk, plan.pk]),
                           plan_post([old, new], count=2, note="Lower installments"))
    assert response.status_code == 302
    plan.refresh_from_db()
    new_plan = PaymentPlan.objects.get(replaces=plan)
    assert plan.status == PaymentPlan.Status.RENEGOTIATED and new_plan.installments.count() == 2

    client.post(reverse("plan_cancel", args=[customer.pk, new_plan.pk]), {"reason": ""})
    new_plan.refresh_from_db()
    assert new_plan.status == PaymentPlan.Status.ACTIVE  # no reason, nothing cancelled
    client.post(reverse("plan_cancel", args=[customer.pk, new_plan.pk]), {"reason": "Paid in full by wire"})
    new_plan.refresh_from_db()
    assert new_plan.status == PaymentPlan.Status.CANCELLED
    # An ended plan cannot be renegotiated or cancelled again.
    assert client.post(reverse("plan_cancel", args=[customer.pk, plan.pk]), {"reason": "x"}).status_code == 404


def test_other_portfolios_plans_are_not_found_and_finance_only_reads(client, book):
    user, customer, old, new = book
    plan = PaymentPlanFactory(customer=customer, invoices=[old, new])
    client.force_login(collector())
    for url in (reverse("plan_new", args=[customer.pk]), reverse("plan_preview", args=[customer.pk]),
                reverse("plan_renegotiate", args=[customer.pk, plan.pk])):
        assert client.get(url).status_code == 404
    assert client.post(reverse("plan_cancel", args=[customer.pk, plan.pk]), {"reason": "x"}).status_code == 404
    client.force_login(finance())
    assert client.get(reverse("plan_new", args=[customer.pk])).status_code == 403
    html = client.get(reverse("account", args=[customer.pk])).content.decode()
    assert "Renegotiate" not in html and "On track" in html
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE


def test_collector_offers_a_plan_from_the_queue_item(client, book):
    user, customer, old, new = book
    queue_build()
    entry = QueueEntry.objects.get(customer=customer)
    client.force_login(user)
    panel = client.get(reverse("queue_item", args=[entry.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Offer a payment plan" in panel and old.external_id in panel

    response = client.post(reverse("queue_item_plan", args=[entry.pk]), plan_post([old, new]),
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "payment plan of 1,000.00 USD in 3 installments agreed" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == QueueEntry.Status.DONE
    assert PaymentPlan.objects.get().customer == customer


def test_queue_plan_errors_come_back_in_the_panel(client, book):
    user, customer, old, new = book
    queue_build()
    entry = QueueEntry.objects.get(customer=customer)
    client.force_login(user)

    response = client.post(reverse("queue_item_plan", args=[entry.pk]),
                           plan_post([old], first=today() - timedelta(days=1)), HTTP_HX_REQUEST="true")

    assert response.status_code == 422 and "The first installment cannot be in the past." in response.content.decode()


def test_missed_installment_tops_next_mornings_queue(book):
    user, customer, old, new = book
    others = [CustomerFactory(portfolio=customer.portfolio) for _ in range(3)]
    for n, other in enumerate(others):
        past_due_invoice(other, "90000.00", days=100 + n)  # big, old balances: a lot of points
    plan = PaymentPlanFactory(customer=customer, invoices=[old, new])
    morning = plan.installments.get(number=1).due_on + timedelta(days=1)

    plans_settle(on=morning)
    queue_build(on=morning)

    entries = list(QueueEntry.objects.filter(day=morning).order_by("-score"))
    assert entries[0].customer == customer
    top = entries[0].reasons[0]
    assert top["signal"] == "plan_missed" and top["points"] >= scoring.PROMISE_BROKEN
    assert top["text"] == "payment plan installment 1 of $333.33 missed, due yesterday"
    assert entries[0].next_action.startswith("Call") and "missed plan installment" in entries[0].next_action
    # The task raised with it does not count twice.
    assert not any(r["signal"] == "task_plan_missed" for r in entries[0].reasons)


def test_plan_on_track_counts_as_a_plan_for_old_invoices(book):
    user, customer, old, new = book
    queue_build()
    assert any(r["signal"] == "no_plan" for r in QueueEntry.objects.get(customer=customer).reasons)
    PaymentPlanFactory(customer=customer, invoices=[old, new])
    QueueEntry.objects.all().delete()

    queue_build()

    entry = QueueEntry.objects.filter(customer=customer).first()
    assert entry is None or not any(r["signal"] == "no_plan" for r in entry.reasons)


def test_workspace_plans_panel_keeps_a_constant_query_count(client, book, django_assert_max_num_queries):
    user, customer, old, new = book
    client.force_login(user)
    client.get(reverse("account", args=[customer.pk]))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("account", args=[customer.pk]))
    first = PaymentPlanFactory(customer=customer, invoices=[old, new], count=6)
    payment_receive(customer=customer, external_id="P1", received_date=today(), amount="200.00", currency="USD",
                    applications=[(old, Decimal("200.00"))])
    for n in range(4):
        invoices = [past_due_invoice(customer, "100.00", days=5 + n) for _ in range(3)]
        PaymentPlanFactory(customer=customer, invoices=invoices)
    from work.plans.services import plan_cancel
    plan_cancel(plan=first, reason="test history")
    with django_assert_max_num_queries(len(one) + 3):
        html = client.get(reverse("account", args=[customer.pk])).content.decode()
    assert html.count('class="plan ') == 5


def test_api_lists_plans_of_the_callers_portfolio_only(client, book):
    user, customer, old, new = book
    plan = PaymentPlanFactory(customer=customer, invoices=[old, new])
    PaymentPlanFactory()  # someone else's
    client.force_login(user)

    rows = client.get("/api/plans/").json()["results"]

    assert [r["id"] for r in rows] == [plan.pk]
    assert [i["amount"] for i in rows[0]["installments"]] == ["333.33", "333.33", "333.34"]
    other = PaymentPlan.objects.exclude(pk=plan.pk).get()
    assert client.get(f"/api/plans/{other.pk}/").status_code == 404
    assert client.post("/api/plans/", {}).status_code == 405
