"""The queue list: compact rows, filters (reason kind, bucket, amount, promise/dispute state) and
sorts as GET parameters, with and without HTMX, validated, the whole list reachable, and a query
count that does not grow with the list."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import FxRate
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, collector
from work import services as work_services
from work.queue import views
from work.queue.models import QueueEntry
from work.queue.services import queue_build, queue_customer_acted

pytestmark = pytest.mark.django_db
LIST = {"HX-Request": "true", "HX-Target": "queue-list"}


def today():
    return timezone.localdate()


def account(portfolio, name, *, days_past_due, amount, currency="USD"):
    customer = CustomerFactory(portfolio=portfolio, name=name, currency=currency)
    ContactFactory(customer=customer)
    due = today() - timedelta(days=days_past_due)
    invoice = InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due,
                             amount=Decimal(amount), currency=currency)
    return customer, invoice


@pytest.fixture
def alice():
    return collector("alice")


@pytest.fixture
def book(alice):
    """Four accounts: old and big, a euro account the customer acted on, a promise due today, a dispute."""
    portfolio = PortfolioFactory(collector=alice)
    FxRate.objects.create(currency="EUR", rate_date=today() - timedelta(days=3), rate=Decimal("1.20"))
    old, _ = account(portfolio, "Alder Old", days_past_due=100, amount="9000.00")
    euro, _ = account(portfolio, "Birch Euro", days_past_due=40, amount="3000.00", currency="EUR")
    promised, inv = account(portfolio, "Cedar Promised", days_past_due=20, amount="2000.00")
    work_services.promise_record(customer=promised, amount="2000.00", pay_by=today(), invoices=[inv])
    disputed, inv = account(portfolio, "Dogwood Disputed", days_past_due=70, amount="5000.00")
    work_services.dispute_open(customer=disputed, invoices=[inv], amount="5000.00", root_cause="pricing")
    queue_build(on=today())
    queue_customer_acted(customer=euro, kind="request", detail="Set up autopay")
    return {"old": old, "euro": euro, "promised": promised, "disputed": disputed}


def names(response) -> list[str]:
    body = response.content.decode()
    pks = re.findall(r'<tr id="item-(\d+)" data-pk', body)
    by_pk = dict(QueueEntry.objects.filter(pk__in=pks).values_list("pk", "customer__name"))
    return [by_pk[int(pk)] for pk in pks]


def get(client, alice, **params):
    client.force_login(alice)
    response = client.get(reverse("queue"), params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("params", "expected"), [
    ({"reason": "promise"}, ["Cedar Promised"]),
    ({"reason": "customer"}, ["Birch Euro"]),
    ({"bucket": "91+"}, ["Alder Old"]),
    ({"bucket": "61-90"}, ["Dogwood Disputed"]),
    ({"amount_min": "3100"}, ["Alder Old", "Birch Euro", "Dogwood Disputed"]),  # 3,000 EUR is 3,600 USD
    ({"state": "disputed"}, ["Dogwood Disputed"]),
    ({"state": "promised"}, ["Cedar Promised"]),
    ({"state": "neither"}, ["Alder Old", "Birch Euro"]),
    ({"reason": "past_due", "bucket": "31-60"}, ["Birch Euro"]),
])
def test_filters_narrow_the_list(client, alice, book, params, expected):
    assert sorted(names(get(client, alice, **params))) == expected


@pytest.mark.parametrize(("sort", "expected"), [
    ("amount", ["Alder Old", "Dogwood Disputed", "Birch Euro", "Cedar Promised"]),
    ("days", ["Alder Old", "Dogwood Disputed", "Birch Euro", "Cedar Promised"]),
    ("name", ["Alder Old", "Birch Euro", "Cedar Promised", "Dogwood Disputed"]),
])
def test_sorts(client, alice, book, sort, expected):
    assert names(get(client, alice, sort=sort)) == expected


def test_default_sort_is_the_score_and_the_customers_action_ranks_high(client, alice, book):
    order = names(get(client, alice))
    scores = list(QueueEntry.objects.filter(day=today()).order_by("-score", "customer__name")
                  .values_list("customer__name", flat=True))
    assert order == scores and order.index("Birch Euro") <= 1


def test_rows_are_compact_chips_in_the_base_currency_with_state_icons(client, alice, book):
    body = get(client, alice).content.decode()
    euro_row = re.search(r'<tr id="item-\d+"[^>]*>(?:(?!</tr>).)*Birch Euro(?:(?!</tr>).)*</tr>', body, re.S).group(0)
    assert "3,600.00" in euro_row and "31–60" in euro_row  # past due in USD, its bucket
    assert '<span class="chip r-customer_acted" title="Customer asked for something via portal: Set up autopay">' \
           'Portal request</span>' in euro_row
    assert "<ul" not in euro_row  # no sentences in the list: they are in the panel
    assert 'aria-label="Open dispute"' in body and 'aria-label="Open promise to pay"' in body


def test_a_row_opens_its_account_wherever_it_is_clicked(client, alice, book):
    body = get(client, alice).content.decode()
    for entry in QueueEntry.objects.filter(day=today()):
        url = reverse("queue_item", args=[entry.pk])
        assert f'<tr id="item-{entry.pk}" data-pk="{entry.pk}" hx-get="{url}" hx-target="#panel"' in body
        assert f'<a class="open-item" href="{url}">' in body  # the name keeps a real link


def test_filters_work_with_htmx_and_return_the_list_only(client, alice, book):
    client.force_login(alice)
    response = client.get(reverse("queue"), {"state": "disputed"}, headers=LIST)
    body = response.content.decode()
    assert "<html" not in body and 'id="queue-list"' in body
    assert names(response) == ["Dogwood Disputed"]
    assert "1 item to do matches these filters" in body


@pytest.mark.parametrize(("params", "message"), [
    ({"reason": "nonsense"}, "Reason: Select a valid choice."),
    ({"bucket": "12-13"}, "Oldest past due: Select a valid choice."),
    ({"amount_min": "lots"}, "Past due at least: Enter a number."),
    ({"amount_min": "-5"}, "Past due at least: Ensure this value is greater than or equal to 0."),
    ({"state": "maybe"}, "Promise / dispute: Select a valid choice."),
    ({"sort": "colour"}, "Sort by: Select a valid choice."),
])
def test_a_bad_filter_value_is_shown_not_ignored(client, alice, book, params, message):
    for headers in ({}, LIST):
        client.force_login(alice)
        body = client.get(reverse("queue"), params, headers=headers).content.decode()
        assert "Filter not applied" in body and message in body, headers


def test_the_whole_list_is_reachable_with_the_real_total(client, alice, book, monkeypatch):
    monkeypatch.setattr(views, "QUEUE_ROWS", 3)
    client.force_login(alice)
    first = client.get(reverse("queue"), {"sort": "name"})
    body = first.content.decode()
    assert names(first) == ["Alder Old", "Birch Euro", "Cedar Promised"]
    assert "3 of 4 shown" in body and "4 items to do" in body
    assert 'hx-get="/queue/?sort=name&amp;page=2" hx-target="#queue-more"' in body
    more = client.get(reverse("queue"), {"sort": "name", "page": 2},
                      headers={"HX-Request": "true", "HX-Target": "queue-more"})
    assert names(more) == ["Dogwood Disputed"] and "queue-more" not in more.content.decode()
    # Without JavaScript the same link gives the page with everything up to there.
    assert names(client.get(reverse("queue"), {"sort": "name", "page": 2})) == [
        "Alder Old", "Birch Euro", "Cedar Promised", "Dogwood Disputed"]


def test_refresh_keeps_the_filters(client, alice, book):
    client.force_login(alice)
    response = client.post(reverse("queue_refresh"), {"collector": "alice", "state": "disputed"},
                           headers={"HX-Request": "true"})
    assert names(response) == ["Dogwood Disputed"]
    response = client.post(reverse("queue_refresh"), {"collector": "alice", "state": "disputed"})
    assert response.status_code == 302 and response["Location"] == "/queue/?state=disputed"


def grow(alice, accounts: int):
    portfolio = PortfolioFactory(collector=alice)
    for n in range(accounts):
        customer, inv = account(portfolio, f"Grown {n:03d}", days_past_due=35 + n, amount=f"{1500 + n}.00",
                                currency="EUR" if n % 2 else "USD")
        if n % 3 == 0:
            work_services.dispute_open(customer=customer, invoices=[inv], amount="100.00", root_cause="pricing")
        if n % 3 == 1:
            work_services.promise_record(customer=customer, amount="100.00", pay_by=today(), invoices=[inv])
    queue_build(on=today())


@pytest.mark.parametrize("params", [{}, {"sort": "amount", "amount_min": "100"}, {"reason": "promise", "sort": "days"},
                                    {"state": "neither", "bucket": "31-60", "sort": "name"}])
def test_filtered_list_query_count_does_not_grow_with_the_list(client, alice, book, params,
                                                               django_assert_max_num_queries):
    client.force_login(alice)
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("queue"), params)
    grow(alice, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("queue"), params)
    assert len(names(response)) > 4
