"""The accounts list: who sees what, search, filters, sort, pagination, HTMX and query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import Customer, Invoice
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, UserFactory, collector, finance, manager

pytestmark = pytest.mark.django_db


def owe(customer: Customer, amount: str, *, days_past_due: int, open_amount: str | None = None) -> Invoice:
    """An open invoice `days_past_due` days past its due date today (negative: not yet due)."""
    due = timezone.localdate() - timedelta(days=days_past_due)
    return InvoiceFactory(
        customer=customer, issue_date=due - timedelta(days=30), due_date=due, amount=Decimal(amount),
        open_amount=Decimal(open_amount or amount),
    )


def accounts_page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("accounts"), params)


def names(response) -> list[str]:
    return [account.name for account in response.context["page"]]


def test_collector_lists_only_the_accounts_of_their_portfolio(client):
    mine = PortfolioFactory()
    theirs = PortfolioFactory()
    CustomerFactory(name="Acme Mine", portfolio=mine)
    CustomerFactory(name="Beta Theirs", portfolio=theirs)
    CustomerFactory(name="Gamma Unassigned")

    response = accounts_page(client, mine.collector)

    assert response.status_code == 200
    assert names(response) == ["Acme Mine"]
    assert b"Beta Theirs" not in response.content
    assert "collector" not in response.context["form"].fields


def test_manager_and_finance_see_the_whole_book_and_filter_by_collector(client):
    alice_book = PortfolioFactory()
    bob_book = PortfolioFactory()
    CustomerFactory(name="Acme", portfolio=alice_book)
    CustomerFactory(name="Beta", portfolio=bob_book)

    for user in (manager(), finance()):
        assert sorted(names(accounts_page(client, user))) == ["Acme", "Beta"]

    response = accounts_page(client, manager(), collector=bob_book.collector.pk)
    assert names(response) == ["Beta"]


def test_search_matches_name_or_customer_id(client):
    boss = manager()
    CustomerFactory(name="Northwind Traders", external_id="C-100")
    CustomerFactory(name="Contoso", external_id="C-NW-7")
    CustomerFactory(name="Fabrikam", external_id="C-200")

    assert sorted(names(accounts_page(client, boss, q="northwind"))) == ["Northwind Traders"]
    assert sorted(names(accounts_page(client, boss, q="nw-7"))) == ["Contoso"]
    assert names(accounts_page(client, boss, q="nothing like it")) == []


def test_segment_filter(client):
    boss = manager()
    CustomerFactory(name="Big", segment="enterprise")
    CustomerFactory(name="Small", segment="smb")

    response = accounts_page(client, boss, segment="enterprise")

    assert names(response) == ["Big"]
    assert ("smb", "smb") in response.context["form"].fields["segment"].choices


def test_family_filter_shows_the_head_and_its_children(client):
    boss = manager()
    head = CustomerFactory(name="Globex Holding")
    CustomerFactory(name="Globex East", parent=head)
    CustomerFactory(name="Globex West", parent=head)
    CustomerFactory(name="Initech")

    response = accounts_page(client, boss, family=head.pk)

    assert sorted(names(response)) == ["Globex East", "Globex Holding", "Globex West"]
    assert list(response.context["form"].fields["family"].queryset) == [head]


def test_has_past_due_filter_keeps_accounts_with_an_overdue_open_invoice(client):
    boss = manager()
    late = CustomerFactory(name="Late")
    owe(late, "100.00", days_past_due=3)
    not_due = CustomerFactory(name="Not due yet")
    owe(not_due, "900.00", days_past_due=-10)
    CustomerFactory(name="Nothing open")

    assert names(accounts_page(client, boss, past_due="on")) == ["Late"]


def test_balances_past_due_and_oldest_days_are_computed_per_account(client):
    boss = manager()
    customer = CustomerFactory(name="Acme", currency="EUR")
    owe(customer, "1000.00", days_past_due=45, open_amount="400.00")
    owe(customer, "250.00", days_past_due=5)
    owe(customer, "300.00", days_past_due=-20)
    paid = owe(customer, "999.00", days_past_due=90)
    Invoice.objects.filter(pk=paid.pk).update(open_amount=0, status=Invoice.Status.PAID)

    response = accounts_page(client, boss)
    [row] = response.context["page"]

    assert row.balance == Decimal("950.00")
    assert row.past_due == Decimal("650.00")
    assert row.oldest_days_past_due == 45
    assert "950.00" in response.content.decode()
    assert "EUR" in response.content.decode()


def test_sorts_by_past_due_by_default_and_by_balance_or_name_on_request(client):
    boss = manager()
    small_late = CustomerFactory(name="A small late")
    owe(small_late, "100.00", days_past_due=10)
    big_late = CustomerFactory(name="B big late")
    owe(big_late, "500.00", days_past_due=10)
    big_current = CustomerFactory(name="C big current")
    owe(big_current, "5000.00", days_past_due=-5)

    assert names(accounts_page(client, boss)) == ["B big late", "A small late", "C big current"]
    assert names(accounts_page(client, boss, sort="balance")) == ["C big current", "B big late", "A small late"]
    assert names(accounts_page(client, boss, sort="name")) == ["A small late", "B big late", "C big current"]
    # A sort that does not exist falls back to the default rather than failing.
    assert names(accounts_page(client, boss, sort="drop table")) == ["B big late", "A small late", "C big current"]


def test_fifty_accounts_per_page(client):
    boss = manager()
    CustomerFactory.create_batch(120)

    first = accounts_page(client, boss, sort="name")
    third = accounts_page(client, boss, sort="name", page=3)

    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.num_pages == 3
    assert len(third.context["page"].object_list) == 20
    assert "page=2" in first.content.decode()
    assert "sort=name" in first.content.decode()  # the pager keeps the filters


def test_htmx_request_gets_only_the_results_partial(client):
    boss = manager()
    CustomerFactory(name="Acme")
    client.force_login(boss)

    response = client.get(reverse("accounts"), {"q": "acme"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "Acme" in html
    assert "<html" not in html and 'role="search"' not in html


def test_history_restore_gets_the_whole_page(client):
    client.force_login(manager())

    response = client.get(reverse("accounts"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert "<html" in response.content.decode()


def test_whole_page_has_the_filter_form_working_without_javascript(client):
    response = accounts_page(client, manager())

    html = response.content.decode()
    assert 'method="get"' in html and f'action="{reverse("accounts")}"' in html
    assert 'hx-target="#results"' in html and 'hx-push-url="true"' in html


def test_list_query_count_does_not_grow_with_invoices(client, django_assert_max_num_queries):
    portfolio = PortfolioFactory()
    head = CustomerFactory(portfolio=portfolio)
    customers = [head] + [CustomerFactory(portfolio=portfolio, parent=head if i % 3 else None) for i in range(59)]
    today = timezone.localdate()
    Invoice.objects.bulk_create(
        Invoice(customer=c, external_id=f"Q{c.pk}-{n}", issue_date=today - timedelta(days=30 * n + 30),
                due_date=today - timedelta(days=30 * n), amount=Decimal("100.00"), open_amount=Decimal("100.00"),
                currency="USD")
        for c in customers for n in range(5)
    )
    for user in (manager(), portfolio.collector):
        client.force_login(user)
        with django_assert_max_num_queries(10):
            response = client.get(reverse("accounts"), {"past_due": "on"})
        assert len(response.context["page"].object_list) == 50
        assert response.context["page"][0].past_due == Decimal("400.00")


def test_a_user_without_a_role_is_refused(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts")).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("accounts"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_collector_does_not_get_the_reassign_controls(client):
    portfolio = PortfolioFactory()
    CustomerFactory(portfolio=portfolio)
    assert "Reassign" not in accounts_page(client, portfolio.collector).content.decode()
    assert "Reassign" in accounts_page(client, manager()).content.decode()


def test_collector_filter_for_collectors_is_ignored(client):
    """A collector cannot widen their list by naming another collector."""
    mine = PortfolioFactory()
    other = PortfolioFactory(collector=collector())
    CustomerFactory(name="Mine", portfolio=mine)
    CustomerFactory(name="Other", portfolio=other)

    assert names(accounts_page(client, mine.collector, collector=other.collector.pk)) == ["Mine"]


def test_sign_in_page_and_a_wrong_password(client):
    UserFactory(username="pat")
    page = client.get(reverse("login"))
    assert page.status_code == 200 and 'name="username"' in page.content.decode()

    wrong = client.post(reverse("login"), {"username": "pat", "password": "nope"})
    assert wrong.status_code == 200
    assert "didn't match" in wrong.content.decode()

    right = client.post(reverse("login"), {"username": "pat", "password": "demo-pass-123"})
    assert right.status_code == 302
