"""Promises to pay are bounded: at most what is open, a date within the horizon, one open promise per
invoice; a promise with no invoice ticked covers the oldest open invoices and pauses their dunning.
The service refuses by itself; the workspace shows its message (422), the API answers 400."""

import os
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.money import MAX_AMOUNT
from ledger.services import payment_receive
from portal.links import portal_token_for
from reminders.eligibility import invoices_blocked_from_dunning
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, collector
from work import services as work_services
from work.models import Activity, Dispute, PromiseToPay

pytestmark = pytest.mark.django_db
D = Decimal
HX = {"HX-Request": "true"}


def today() -> date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def _horizon(settings):
    settings.PROMISE_HORIZON_DAYS = 180


@pytest.fixture
def account():
    """An account with three open invoices, oldest first: 26,497.64, 1,000.00 and 500.00 (27,997.64)."""
    alice = collector("alice_pb")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    invoices = [
        InvoiceFactory(customer=customer, amount=amount, issue_date=today() - timedelta(days=90),
                       due_date=today() - timedelta(days=days))
        for amount, days in ((D("26497.64"), 60), (D("1000.00"), 30), (D("500.00"), 10))
    ]
    return alice, customer, invoices


def promise(customer, amount, pay_by=None, invoices=()):
    return work_services.promise_record(customer=customer, amount=amount, pay_by=pay_by or today() + timedelta(days=7),
                                        invoices=invoices)


@pytest.mark.parametrize("amount, pay_by, message", [
    ("999999999999.99", None, "Only 27,997.64 is open"),
    (MAX_AMOUNT + D("0.01"), None, "more than the ledger can hold"),
    ("27997.65", None, "Only 27,997.64 is open"),
    ("-1.00", None, "must be positive"),
    ("0", None, "must be positive"),
    ("abc", None, "must be an amount"),
    ("NaN", None, "must be an amount"),
    ("10.001", None, "two decimals"),
    ("100.00", date(9999, 12, 31), "within 180 days"),
    ("100.00", "181", "within 180 days"),
    ("100.00", date(1900, 1, 1), "not a plausible date"),
])
def test_promise_record_refuses_absurd_values(account, amount, pay_by, message):
    _alice, customer, _invoices = account
    if pay_by == "181":
        pay_by = today() + timedelta(days=181)
    with pytest.raises(ValidationError, match=message):
        promise(customer, amount, pay_by)
    assert not PromiseToPay.objects.exists()


def test_a_promise_on_named_invoices_is_at_most_what_is_open_on_them(account):
    _alice, customer, (big, middle, small) = account
    with pytest.raises(ValidationError, match="Only 1,500.00 is open on these invoices"):
        promise(customer, "1500.01", invoices=[middle, small])
    assert promise(customer, "1500.00", invoices=[middle, small]).amount == D("1500.00")


def test_the_horizon_itself_is_still_a_date_for_a_promise(account):
    _alice, customer, _invoices = account
    assert promise(customer, "10.00", today() + timedelta(days=180)).pay_by == today() + timedelta(days=180)


def test_a_promise_with_no_invoice_ticked_covers_the_oldest_and_pauses_their_dunning(account):
    _alice, customer, (big, middle, small) = account
    made = promise(customer, "26600.00")
    assert set(made.invoices.all()) == {big, middle}
    assert set(invoices_blocked_from_dunning()) == {big, middle}
    # The next promise covers what no promise covers yet.
    assert set(promise(customer, "100.00").invoices.all()) == {small}
    with pytest.raises(ValidationError, match="Only 0.00 is open on the account's invoices without a promise"):
        promise(customer, "1.00")


def test_one_open_promise_per_invoice(account):
    _alice, customer, (big, middle, _small) = account
    promise(customer, "100.00", invoices=[big])
    with pytest.raises(ValidationError, match=f"Invoice {big} is already covered by an open promise"):
        promise(customer, "50.00", invoices=[middle, big])
    assert PromiseToPay.objects.count() == 1


def test_a_promise_whose_date_passed_is_settled_and_no_longer_blocks_a_new_one(account):
    _alice, customer, (big, _middle, _small) = account
    old = promise(customer, "100.00", pay_by=today() - timedelta(days=2), invoices=[big])
    PromiseToPay.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    new = promise(customer, "100.00", invoices=[big])
    old.refresh_from_db()
    assert old.status == PromiseToPay.Status.BROKEN
    assert list(new.invoices.all()) == [big]


def test_ten_promised_logs_with_nothing_ticked_make_one_promise(account):
    alice, customer, _invoices = account
    refused = 0
    for _ in range(10):
        try:
            work_services.outcome_log(customer=customer, kind="call", outcome=Activity.Outcome.PROMISED, by=alice,
                                      promise_amount="27997.64", pay_by=today() + timedelta(days=3))
        except ValidationError:
            refused += 1
    assert (PromiseToPay.objects.count(), refused) == (1, 9)


def test_a_promise_only_covers_the_accounts_open_invoices(account):
    _alice, customer, (big, _middle, _small) = account
    paid = InvoiceFactory(customer=customer, amount=D("10.00"))
    payment_receive(customer=customer, external_id="P-PAID", received_date=today(), amount="10.00", currency="USD",
                    applications=[(paid, D("10.00"))])
    for invoices in ([paid], [InvoiceFactory()]):
        with pytest.raises(ValidationError, match="one named is not"):
            promise(customer, "5.00", invoices=invoices)


@pytest.mark.parametrize("amount, message", [
    ("99999999.00", "The disputed invoices billed 26,497.64; a dispute of 99,999,999.00 is more"),
    ("-1", "must be positive"),
    ("xyz", "must be an amount"),
])
def test_dispute_open_refuses_absurd_amounts(account, amount, message):
    _alice, customer, (big, _middle, _small) = account
    with pytest.raises(ValidationError, match=message):
        work_services.dispute_open(customer=customer, invoices=[big], amount=amount, root_cause="pricing")
    assert not Dispute.objects.exists()


# The doors: the workspace and the queue show the service's message, the API answers 400.


@pytest.mark.parametrize("data, message", [
    ({"promise_amount": "999999999999.99"}, "Only 27,997.64 is open on the account&#x27;s invoices"),
    ({"pay_by": "9999-12-31"}, "within 180 days"),
])
def test_the_workspace_shows_why_a_promise_is_refused(client, account, data, message):
    alice, customer, _invoices = account
    client.force_login(alice)
    response = client.post(reverse("account_log", args=[customer.pk]), {
        "kind": "call", "outcome": "promised", "promise_amount": "100.00",
        "pay_by": (today() + timedelta(days=5)).isoformat(), **data}, headers=HX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not PromiseToPay.objects.exists() and not Activity.objects.exists()


@pytest.mark.parametrize("data, field, message", [
    ({"amount": "999999999999.99"}, "non_field_errors", "Only 27,997.64 is open"),
    ({"pay_by": "9999-12-31"}, "non_field_errors", "within 180 days"),
    ({"pay_by": "2020-01-01"}, "pay_by", "today or a later date"),
])
def test_the_api_refuses_an_absurd_promise_with_400(account, data, field, message):
    alice, customer, _invoices = account
    api = APIClient()
    api.force_authenticate(alice)
    response = api.post(reverse("api-promise-list"), {
        "customer": customer.pk, "amount": "100.00", "pay_by": (today() + timedelta(days=5)).isoformat(), **data,
    }, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not PromiseToPay.objects.exists()


def test_the_api_covers_the_oldest_invoices_when_none_is_named(account):
    alice, customer, (big, _middle, _small) = account
    api = APIClient()
    api.force_authenticate(alice)
    response = api.post(reverse("api-promise-list"), {
        "customer": customer.pk, "amount": "1000.00", "pay_by": (today() + timedelta(days=5)).isoformat(),
    }, format="json")
    assert response.status_code == 201
    assert response.json()["invoices"] == [big.pk]


# At the same time: the invoices are locked, so concurrent promises wait for each other. SQLite
# serialises writers anyway; the race is real on PostgreSQL.


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("named", [True, False])
def test_ten_concurrent_promises_on_one_invoice_make_one(named):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer, amount=D("1000.00"))
    start, outcomes = threading.Barrier(10), []

    def record():
        try:
            start.wait()
            promise(customer, "1000.00", invoices=[invoice] if named else ())
            outcomes.append("made")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made"] + ["refused"] * 9
    assert PromiseToPay.objects.filter(invoices=invoice, status=PromiseToPay.Status.OPEN).count() == 1


def test_the_portal_says_an_invoice_already_has_a_promise(client, account):
    _alice, customer, (big, _middle, _small) = account
    promise(customer, "100.00", invoices=[big])
    token = portal_token_for(customer)
    response = client.post(reverse("portal_promise", args=[token]), {
        "invoices": [big.pk], "pay_by": (today() + timedelta(days=5)).isoformat(), "amount": "200.00",
    })
    assert response.status_code == 400
    assert "already covered by an open promise" in response.content.decode()
    assert PromiseToPay.objects.count() == 1
