"""Payment plans in the portal: the customer sees their plan and what remains, and, where the
policy allows it, sets one up for past-due invoices within the policy's limits."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from ledger.services import payment_receive
from portal.links import portal_token_for
from reminders.models import DunningPolicy
from tests.factories import PaymentPlanFactory
from tests.portal.factories import account
from work.models import QueueTask
from work.plans.models import PaymentPlan
from work.settlement import money_moved

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def allowing_policy():
    """The customers' segment policy allows portal plans: 3 installments within 90 days."""
    DunningPolicy.objects.filter(segment="mid-market").delete()
    return DunningPolicy.objects.create(name="Portal plans", segment="mid-market", portal_plans_allowed=True,
                                        portal_plan_max_installments=3, portal_plan_max_days=90)


def propose(client, token, invoices, *, count=3, first=None, interval="monthly"):
    return client.post(reverse("portal_plan", args=[token]), {
        "invoices": [i.pk for i in invoices], "count": count, "interval": interval,
        "first_due": (first or today() + timedelta(days=5)).isoformat()})


def test_home_shows_the_plan_what_remains_and_the_next_installment(client):
    customer = account(invoices=0, segment="enterprise")
    plan = PaymentPlanFactory(customer=customer)  # 1,000.00 in 333.33 + 333.33 + 333.34
    oldest = plan.invoices.order_by("due_date").first()
    payment_receive(customer=customer, external_id="P1", received_date=today(), amount="400.00", currency="USD",
                    applications=[(oldest, Decimal("400.00"))])
    money_moved(invoice_ids=[oldest.pk])

    html = client.get(reverse("portal_home", args=[portal_token_for(customer)])).content.decode()

    assert f'id="plan-{plan.pk}"' in html and "On track" in html
    assert "Paid 400.00 USD · <strong>still to pay 600.00 USD</strong>" in html
    second = plan.installments.get(number=2)
    assert f"next installment 266.66 USD by {date_format(second.due_on)}" in html
    assert html.count('badge ok">Paid') == 1 and "In payment plan" in html


def test_another_customers_plan_is_not_shown(client):
    mine = account(invoices=1)
    other = account(invoices=2)
    PaymentPlanFactory(customer=other, invoices=list(other.invoices.all()))

    html = client.get(reverse("portal_home", args=[portal_token_for(mine)])).content.decode()

    assert "Your payment plans" not in html


def test_customer_sets_up_a_plan_within_the_policy(client, allowing_policy):
    customer = account(invoices=3)
    token = portal_token_for(customer)
    past_due = customer.invoices.filter(due_date__lt=today())
    assert "Set up a payment plan" in client.get(reverse("portal_home", args=[token])).content.decode()

    response = propose(client, token, past_due)

    assert response.status_code == 302 and "done=plan" in response["Location"]
    plan = PaymentPlan.objects.get()
    assert plan.source == PaymentPlan.Source.PORTAL and plan.by is None
    assert plan.installments.count() == 3 and plan.total_amount == sum(i.open_amount for i in past_due)
    task = QueueTask.objects.get(kind=QueueTask.Kind.PORTAL_PLAN)
    assert task.customer == customer and task.key == f"portal:plan:{plan.pk}"


@pytest.mark.parametrize("count, first_in, interval, error", [
    (4, 5, "monthly", "Select a valid choice"),                    # more installments than allowed
    (3, 40, "monthly", "a plan set up here must end by"),           # last one beyond 90 days
    (2, -1, "weekly", "cannot be in the past"),
])
def test_plan_outside_the_policy_limits_is_refused(client, allowing_policy, count, first_in, interval, error):
    customer = account(invoices=3)
    response = propose(client, portal_token_for(customer), customer.invoices.filter(due_date__lt=today()),
                       count=count, first=today() + timedelta(days=first_in), interval=interval)
    assert response.status_code == 400 and error in response.content.decode()
    assert not PaymentPlan.objects.exists()


def test_invoices_not_yet_due_or_of_another_customer_are_not_choices(client, allowing_policy):
    customer = account(invoices=3)
    stranger = account(invoices=1)
    not_due = customer.invoices.filter(due_date__gte=today()).first()
    for invoice in (not_due, stranger.invoices.get()):
        response = propose(client, portal_token_for(customer), [invoice])
        assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not PaymentPlan.objects.exists()


def test_policy_without_portal_plans_refuses_the_page(client):
    DunningPolicy.objects.filter(segment="mid-market").update(portal_plans_allowed=False)
    customer = account(invoices=3)
    token = portal_token_for(customer)

    assert "Set up a payment plan" not in client.get(reverse("portal_home", args=[token])).content.decode()
    assert client.get(reverse("portal_plan", args=[token])).status_code == 403
    assert propose(client, token, customer.invoices.all()).status_code == 403
    assert not PaymentPlan.objects.exists()


def test_home_query_count_does_not_grow_with_the_plans(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer = account(invoices=0)
    PaymentPlanFactory(customer=customer)
    token = portal_token_for(customer)
    client.get(reverse("portal_home", args=[token]))
    with CaptureQueriesContext(connection) as one_plan:
        client.get(reverse("portal_home", args=[token]))
    for _ in range(4):
        PaymentPlanFactory(customer=customer)
    with CaptureQueriesContext(connection) as five_plans:
        html = client.get(reverse("portal_home", args=[token])).content.decode()
    assert html.count('class="plan"') == 5
    assert len(five_plans) == len(one_plan)
