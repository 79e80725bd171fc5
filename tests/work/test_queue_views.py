"""The queue pages: what a collector sees and may do, what a manager may do, and the query bounds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, collector, finance
from tests.factories import manager as manager_user
from work import tasks
from work.models import Activity, PromiseToPay
from work.queue.models import QueueEntry, Snooze
from work.queue.services import queue_build

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def today():
    return timezone.localdate()


def book(portfolio, accounts: int):
    for n in range(accounts):
        customer = CustomerFactory(portfolio=portfolio, name=f"Account {n:03d}")
        ContactFactory(customer=customer)
        for k in range(2):
            InvoiceFactory(customer=customer, issue_date=today() - timedelta(days=90),
                           due_date=today() - timedelta(days=40 + k * 30), amount=Decimal(f"{1000 + n}.00"))
    queue_build(on=today())


@pytest.fixture
def alice():
    return collector("alice")


@pytest.fixture
def alice_book(alice):
    portfolio = PortfolioFactory(collector=alice)
    book(portfolio, 3)
    return portfolio


def test_collector_sees_their_queue_with_reasons_and_next_action(client, alice, alice_book):
    client.force_login(alice)
    response = client.get(reverse("queue"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="open-item"') == 3
    assert "61–90 days: $1,002 (past due $2,004 in all), never worked" in body
    assert "Call " in body and "for a promise to pay" in body
    assert "<kbd>j</kbd>" in body and "<kbd>s</kbd> snooze" in body
    assert "0</strong> done" in body and "3</strong> remaining today" in body


def test_queue_page_query_count_does_not_grow_with_the_portfolio(client, alice, django_assert_max_num_queries):
    portfolio = PortfolioFactory(collector=alice)
    book(portfolio, 5)
    client.force_login(alice)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("queue"))
    book(portfolio, 60)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("queue"))
    assert response.content.decode().count('class="open-item"') == 65


def test_another_collectors_queue_is_forbidden_to_a_collector(client, alice, alice_book):
    bob = collector("bob")
    PortfolioFactory(collector=bob)
    client.force_login(bob)
    assert client.get(reverse("queue"), {"collector": "alice"}).status_code == 403
    assert client.get(reverse("queue_of", args=["alice"])).status_code == 403


def test_another_collectors_item_is_not_found(client, alice, alice_book):
    bob = collector("bob")
    PortfolioFactory(collector=bob)
    entry = QueueEntry.objects.filter(customer__portfolio=alice_book).first()
    client.force_login(bob)
    assert client.get(reverse("queue_item", args=[entry.pk]), headers=HX).status_code == 404
    response = client.post(reverse("queue_item_log", args=[entry.pk]), {"kind": "call", "outcome": "reached"})
    assert response.status_code == 404
    response = client.post(reverse("queue_item_snooze", args=[entry.pk]),
                           {"until": today() + timedelta(days=2), "reason": "x"})
    assert response.status_code == 404
    assert client.get(reverse("account_timeline", args=[entry.customer_id])).status_code == 404
    assert client.post(reverse("account_log", args=[entry.customer_id]), {}).status_code == 404
    assert not Activity.objects.exists() and not Snooze.objects.exists()
    entry.refresh_from_db()
    assert entry.status == QueueEntry.Status.OPEN


def test_collector_cannot_reassign(client, alice, alice_book):
    entry = QueueEntry.objects.first()
    client.force_login(alice)
    response = client.post(reverse("queue_item_reassign", args=[entry.pk]),
                           {"portfolio": alice_book.pk, "reason": "x"})
    assert response.status_code == 403


def test_finance_has_no_queue(client):
    client.force_login(finance())
    assert client.get(reverse("queue")).status_code == 403


def test_manager_opens_any_collectors_queue_and_reassigns_an_item(client, alice, alice_book):
    boss = manager_user()
    bob = collector("bob")
    bobs = PortfolioFactory(collector=bob, name="Bob's book")
    client.force_login(boss)
    response = client.get(reverse("queue_of", args=["alice"]))
    assert response.status_code == 200 and response.content.decode().count('class="open-item"') == 3
    assert client.get(reverse("queue"), {"collector": "alice"}).status_code == 200
    entry = QueueEntry.objects.filter(collector=alice).order_by("-score").first()
    response = client.post(reverse("queue_item_reassign", args=[entry.pk]),
                           {"portfolio": bobs.pk, "reason": "Alice is out"}, headers=HX)
    assert response.status_code == 200
    assert f'hx-swap-oob="delete:#item-{entry.pk}"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.collector == bob and entry.customer.portfolio == bobs


def test_opening_an_item_shows_the_panel(client, alice, alice_book):
    entry = QueueEntry.objects.order_by("-score").first()
    client.force_login(alice)
    response = client.get(reverse("queue_item", args=[entry.pk]), headers=HX)
    body = response.content.decode()
    assert f'data-entry="{entry.pk}"' in body and "Log the outcome" in body and "<html" not in body
    # Without JavaScript the same URL gives the whole page with the panel open.
    response = client.get(reverse("queue_item", args=[entry.pk]))
    assert "<html" in response.content.decode() and "Log the outcome" in response.content.decode()


def test_logging_a_promise_removes_the_item_in_place_and_opens_the_next(client, alice, alice_book):
    first, second = QueueEntry.objects.order_by("-score", "customer__name")[:2]
    invoice = first.customer.invoices.first()
    client.force_login(alice)
    response = client.post(reverse("queue_item_log", args=[first.pk]), {
        "kind": "call", "outcome": "promised", "promise_amount": str(invoice.open_amount),
        "pay_by": (today() + timedelta(days=5)).isoformat(), "invoices": [invoice.pk], "notes": "Friday",
    }, headers=HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'hx-swap-oob="delete:#item-{first.pk}"' in body
    assert f'data-entry="{second.pk}"' in body
    assert "1</strong> done" in body and "2</strong> remaining today" in body
    promise = PromiseToPay.objects.get()
    assert (promise.customer, promise.amount, promise.by) == (first.customer, invoice.open_amount, alice)
    first.refresh_from_db()
    assert first.status == QueueEntry.Status.DONE


def test_promised_without_amount_shows_the_errors_in_the_panel(client, alice, alice_book):
    entry = QueueEntry.objects.first()
    client.force_login(alice)
    response = client.post(reverse("queue_item_log", args=[entry.pk]), {"kind": "call", "outcome": "promised"},
                           headers=HX)
    assert response.status_code == 422
    assert "How much did they promise?" in response.content.decode()
    assert not Activity.objects.exists()


def test_snooze_from_the_queue(client, alice, alice_book):
    entry = QueueEntry.objects.first()
    client.force_login(alice)
    response = client.post(reverse("queue_item_snooze", args=[entry.pk]),
                           {"until": (today() + timedelta(days=3)).isoformat(), "reason": "Back Monday"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == QueueEntry.Status.SNOOZED
    assert Snooze.objects.get().reason == "Back Monday"
    response = client.post(reverse("queue_item_snooze", args=[entry.pk]), {"until": "", "reason": ""}, headers=HX)
    assert response.status_code == 422


def test_refresh_builds_todays_list_on_demand(client, alice):
    portfolio = PortfolioFactory(collector=alice)
    customer = CustomerFactory(portfolio=portfolio)
    InvoiceFactory(customer=customer, issue_date=today() - timedelta(days=90), due_date=today() - timedelta(days=50))
    client.force_login(alice)
    assert "has not been built yet" in client.get(reverse("queue")).content.decode()
    response = client.post(reverse("queue_refresh"), headers=HX)
    assert response.status_code == 200 and 'class="open-item"' in response.content.decode()
    assert QueueEntry.objects.filter(day=today(), collector=alice).count() == 1


def test_nightly_task_settles_promises_then_builds_every_queue(alice):
    portfolio = PortfolioFactory(collector=alice)
    customer = CustomerFactory(portfolio=portfolio)
    invoice = InvoiceFactory(customer=customer, issue_date=today() - timedelta(days=40),
                             due_date=today() - timedelta(days=10), amount=Decimal("600.00"))
    promise = PromiseToPay.objects.create(customer=customer, amount=Decimal("600.00"),
                                          pay_by=today() - timedelta(days=1),
                                          created_at=timezone.now() - timedelta(days=4))
    promise.invoices.set([invoice])
    assert tasks.queues_build_nightly.delay().get() == 1
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.BROKEN
    entry = QueueEntry.objects.get()
    assert entry.reasons[0]["signal"] == "promise_broken"


def test_timeline_filters_by_kind(client, alice, alice_book):
    customer = alice_book.customers.first()
    from work import services as work_services

    work_services.activity_log(customer=customer, kind="call", outcome="reached", notes="Spoke to AP")
    work_services.promise_record(customer=customer, amount="10.00", pay_by=today() + timedelta(days=1))
    client.force_login(alice)
    url = reverse("account_timeline", args=[customer.pk])
    body = client.get(url, headers=HX).content.decode()
    assert "Spoke to AP" in body and "Promise to pay by" in body
    body = client.get(url, {"kind": "promise"}, headers=HX).content.decode()
    assert "Spoke to AP" not in body and "Promise to pay by" in body
    assert 'aria-current="true">Promises' in body


def test_workspace_actions_log_a_call_and_set_a_follow_up(client, alice, alice_book):
    customer = alice_book.customers.first()
    client.force_login(alice)
    assert client.get(reverse("account_actions", args=[customer.pk]), headers=HX).status_code == 200
    response = client.post(reverse("account_log", args=[customer.pk]),
                           {"kind": "email", "outcome": "no_answer", "notes": "sent copy"}, headers=HX)
    assert response.status_code == 200 and response["HX-Trigger"] == "timeline-changed"
    assert Activity.objects.get().by == alice
    response = client.post(reverse("account_follow_up", args=[customer.pk]),
                           {"on": (today() + timedelta(days=7)).isoformat(), "note": "after month end"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.follow_up_on == today() + timedelta(days=7)


def test_nightly_build_refreshes_the_queue_tables_statistics(monkeypatch, alice, alice_book):
    analysed = []
    monkeypatch.setattr(tasks, "refresh_planner_statistics", lambda *models: analysed.append(models))
    tasks.queues_build_nightly.delay().get()
    assert analysed == [(QueueEntry,)]


def test_planner_statistics_refresh_runs_on_either_database(alice_book):
    from core.db_stats import refresh_planner_statistics

    refresh_planner_statistics(QueueEntry)  # raises if the statement is wrong for this database
    refresh_planner_statistics()
