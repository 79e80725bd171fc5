"""Collection work created through the API goes through work_services, within the caller's book."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import token_client
from work.models import Activity, Dispute, PromiseToPay

NEXT_WEEK = (timezone.localdate() + timedelta(days=7)).isoformat()  # a promise is for today or later

pytestmark = pytest.mark.django_db


def test_collector_logs_a_call_on_own_customer(book):
    customer = book["mine"][0]
    contact = customer.contacts.get()
    invoice = customer.invoices.first()
    response = token_client(book["alice"]).post(reverse("api-activity-list"), {
        "customer": customer.pk, "kind": "call", "outcome": "reached", "contact": contact.pk,
        "invoices": [invoice.pk], "subject": "Spoke to AP", "next_action_on": "2026-12-01",
    }, format="json")
    assert response.status_code == 201, response.json()
    activity = Activity.objects.get(pk=response.json()["id"])
    assert (activity.by, activity.outcome, activity.contact) == (book["alice"], "reached", contact)
    assert list(activity.invoices.all()) == [invoice]
    assert response.json()["by"] == "alice_api"


def test_promise_and_dispute_created_through_the_api(book):
    customer = book["mine"][1]
    invoices = list(customer.invoices.order_by("pk"))
    alice = token_client(book["alice"])
    promise = alice.post(reverse("api-promise-list"), {
        "customer": customer.pk, "invoices": [invoices[1].pk], "amount": "900.00", "pay_by": NEXT_WEEK,
    }, format="json")
    assert promise.status_code == 201, promise.json()
    row = PromiseToPay.objects.get(pk=promise.json()["id"])
    assert (row.amount, row.pay_by, row.source, row.by) == (
        Decimal("900.00"), date.fromisoformat(NEXT_WEEK), "collector", book["alice"])
    dispute = alice.post(reverse("api-dispute-list"), {
        "customer": customer.pk, "invoices": [invoices[1].pk], "root_cause": "damaged",
    }, format="json")
    assert dispute.status_code == 201, dispute.json()
    row = Dispute.objects.get(pk=dispute.json()["id"])
    assert row.amount == invoices[1].open_amount and row.source == "api"


def test_collector_cannot_write_on_another_portfolio(book):
    theirs = book["theirs"][0]
    alice = token_client(book["alice"])
    response = alice.post(reverse("api-activity-list"), {"customer": theirs.pk, "kind": "note"}, format="json")
    assert response.status_code == 400 and "customer" in response.json()
    mine = book["mine"][0]
    response = alice.post(reverse("api-promise-list"), {
        "customer": mine.pk, "invoices": [theirs.invoices.first().pk], "amount": "1.00", "pay_by": NEXT_WEEK,
    }, format="json")
    assert response.status_code == 400 and "invoices" in response.json()
    assert not PromiseToPay.objects.filter(by=book["alice"]).exists()


def test_manager_and_integration_may_write_anywhere(book):
    for role in ("manager", "erp"):
        customer = book["theirs"][0]
        response = token_client(book[role]).post(reverse("api-activity-list"),
                                                 {"customer": customer.pk, "kind": "email", "subject": role},
                                                 format="json")
        assert response.status_code == 201


@pytest.mark.parametrize("data, field", [
    ({"amount": "-1.00"}, "amount"),
    ({"amount": "0"}, "amount"),
    ({"amount": "99999999999999999.00"}, "amount"),
    ({"amount": "5000.00"}, "amount"),
    ({"pay_by": "not-a-date"}, "pay_by"),
])
def test_promise_input_is_validated(book, data, field):
    customer = book["mine"][0]
    payload = {"customer": customer.pk, "invoices": [customer.invoices.last().pk], "amount": "10.00",
               "pay_by": NEXT_WEEK, **data}
    response = token_client(book["alice"]).post(reverse("api-promise-list"), payload, format="json")
    assert response.status_code == 400 and field in response.json()


def test_contact_of_another_customer_is_refused(book):
    mine, other = book["mine"]
    response = token_client(book["alice"]).post(reverse("api-activity-list"), {
        "customer": mine.pk, "kind": "call", "contact": other.contacts.get().pk,
    }, format="json")
    assert response.status_code == 400 and "contact" in response.json()


def test_system_kinds_cannot_be_logged_through_the_api(book):
    response = token_client(book["alice"]).post(reverse("api-activity-list"), {
        "customer": book["mine"][0].pk, "kind": "portal_visit",
    }, format="json")
    assert response.status_code == 400 and "kind" in response.json()
