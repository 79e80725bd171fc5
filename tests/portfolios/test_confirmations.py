"""Finance reads and never acts; menus show only what a role may open; and the actions that cannot
be called back (today's dunning pass, revoking portal links, moving many accounts) say what they
will do, with the count, and wait for a confirmation."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ledger.models import Customer
from portal.models import PortalAccess
from reminders.models import DunningPolicy, DunningRun, MessageTemplate, OutboundMessage
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, finance, manager, past_due_invoice
from tests.reminders.factories import account, invoice, policy

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def menu(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("accounts")).content.decode().split('aria-label="Main"')[1].split("</nav>")[0]


def test_finance_menu_has_no_queue_and_a_collectors_no_import(client):
    portfolio = PortfolioFactory()

    for_finance, for_collector = menu(client, finance()), menu(client, portfolio.collector)

    assert ">Queue<" not in for_finance and ">Accounts<" in for_finance and ">Reports<" in for_finance
    assert ">Queue<" in for_collector and ">Import<" not in for_collector
    assert ">Import<" in menu(client, manager())


@pytest.mark.parametrize("name", ["account_statement_now", "account_invoice_copy", "account_compose",
                                  "account_portal_revoke"])
def test_finance_can_email_no_customer_nor_revoke_a_link(client, name):
    customer = CustomerFactory(portfolio=PortfolioFactory())
    contact = ContactFactory(customer=customer)
    late = past_due_invoice(customer, "100.00", days=10)
    MessageTemplate.objects.create(name="Statement", kind=MessageTemplate.Kind.STATEMENT, subject="S", body="B")
    client.force_login(finance())

    response = client.post(reverse(name, args=[customer.pk]), {
        "nonce": uuid.uuid4().hex, "invoice": late.pk, "contact": contact.pk, "subject": "Hi", "body": "Pay",
        "reason": "forwarded", "confirm": "yes",
    })

    assert response.status_code == 403
    assert not OutboundMessage.objects.exists() and not mail.outbox
    assert not PortalAccess.objects.filter(customer=customer, version__gt=1).exists()


def test_finance_sees_no_send_or_revoke_buttons_on_the_account(client):
    customer = CustomerFactory(portfolio=PortfolioFactory())
    past_due_invoice(customer, "100.00", days=10)
    client.force_login(finance())

    html = client.get(reverse("account", args=[customer.pk])).content.decode()

    for name in ("account_statement_now", "account_invoice_copy", "account_portal_revoke"):
        assert f'action="{reverse(name, args=[customer.pk])}"' not in html
    assert f'href="{reverse("account_compose", args=[customer.pk])}"' not in html


@pytest.fixture
def reminder_book():
    DunningPolicy.objects.all().delete()
    policy(name="Standard", is_default=True)
    customers = [account(portfolio=PortfolioFactory()) for _ in range(3)]
    for customer in customers:
        invoice(customer, due=TODAY - timedelta(days=4))
    soon = account(portfolio=PortfolioFactory())
    invoice(soon, due=TODAY + timedelta(days=6))  # its -5 step falls due tomorrow, not today
    return customers


def test_the_dunning_page_dry_runs_what_the_button_sends_today(client, reminder_book):
    client.force_login(manager())

    response = client.get(reverse("dunning"))

    assert response.context["counts"]["messages"] == 3  # tomorrow's run would have said 4
    assert response.context["plan"].as_of == TODAY


def test_running_todays_pass_asks_first_with_the_count(client, reminder_book):
    client.force_login(manager())

    response = client.post(reverse("dunning_run_now"))

    assert response.status_code == 200
    assert "This sends 3 emails to 3 customers now" in response.content.decode()
    assert not DunningRun.objects.exists() and not OutboundMessage.objects.exists()

    assert client.post(reverse("dunning_run_now"), {"confirm": "yes"}).status_code == 302
    assert OutboundMessage.objects.filter(kind=OutboundMessage.Kind.DUNNING).count() == 3


def test_revoking_portal_links_asks_first_with_the_links_sent_so_far(client):
    customer = CustomerFactory(portfolio=PortfolioFactory())
    for n in range(2):
        OutboundMessage.objects.create(customer=customer, kind=OutboundMessage.Kind.MANUAL, key=f"k{n}",
                                       to_email="ap@example.com", subject="Hi", body="Link",
                                       status=OutboundMessage.Status.SENT, sent_at=timezone.now())
    client.force_login(manager())
    url = reverse("account_portal_revoke", args=[customer.pk])

    response = client.post(url, {"reason": "forwarded to the wrong person"})

    assert response.status_code == 200 and "Revoke 2 links sent so far?" in response.content.decode()
    assert not PortalAccess.objects.filter(customer=customer, revoked_at__isnull=False).exists()

    client.post(url, {"reason": "forwarded to the wrong person", "confirm": "yes"})
    assert PortalAccess.objects.get(customer=customer).revoked_at is not None


def test_a_bulk_move_asks_first_saying_how_many_from_where_to_where(client):
    old, new = PortfolioFactory(name="Bob's book"), PortfolioFactory(name="Ann's book")
    moving = CustomerFactory.create_batch(2, portfolio=old)
    client.force_login(manager())
    data = {"customers": [c.pk for c in moving], "portfolio": new.pk, "reason": "leave"}

    response = client.post(reverse("accounts_reassign"), data)

    assert response.status_code == 200
    assert "Move 2 accounts from Bob&#x27;s book to Ann&#x27;s book" in response.content.decode()
    assert set(Customer.objects.filter(portfolio=old)) == set(moving)

    client.post(reverse("accounts_reassign"), {**data, "confirm": "yes"})
    assert set(Customer.objects.filter(portfolio=new)) == set(moving)
