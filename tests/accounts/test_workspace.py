"""The account workspace: header figures, aging strip, invoices, cash, contacts, history, query count."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger import services
from ledger.models import Invoice
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory, manager
from work import services as work_services
from work.models import Activity, Dispute

pytestmark = pytest.mark.django_db


def owe(customer, amount: str, *, days_past_due: int, **kwargs) -> Invoice:
    due = timezone.localdate() - timedelta(days=days_past_due)
    return InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due,
                          amount=Decimal(amount), open_amount=Decimal(amount), **kwargs)


def workspace(client, customer, user=None, **params):
    client.force_login(user or manager())
    response = client.get(reverse("account", args=[customer.pk]), params)
    assert response.status_code == 200
    return response


def test_header_shows_balance_past_due_credit_use_and_aging_buckets(client):
    customer = CustomerFactory(name="Acme", credit_limit=Decimal("2000.00"), payment_terms_days=45,
                               currency="EUR", segment="enterprise")
    owe(customer, "100.00", days_past_due=0)     # due today: current
    owe(customer, "200.00", days_past_due=1)     # 1–30
    owe(customer, "300.00", days_past_due=30)    # 1–30
    owe(customer, "400.00", days_past_due=31)    # 31–60
    owe(customer, "500.00", days_past_due=90)    # 61–90
    owe(customer, "600.00", days_past_due=91)    # 91+

    response = workspace(client, customer)

    figures = response.context["figures"]
    assert figures.balance == Decimal("2100.00")
    assert figures.past_due == Decimal("2000.00")
    assert figures.oldest_days_past_due == 91
    assert {b.key: b.amount for b in figures.buckets} == {
        "current": Decimal("100.00"), "1-30": Decimal("500.00"), "31-60": Decimal("400.00"),
        "61-90": Decimal("500.00"), "91": Decimal("600.00"),
    }
    assert sum(b.share for b in figures.buckets) == pytest.approx(100)
    html = response.content.decode()
    assert 'class="aging-strip"' in html and 'class="b-91"' in html
    assert "105% used" in html
    assert "net 45" in html and "EUR" in html and "enterprise" in html


def test_on_hold_account_shows_the_reason_and_follow_up(client):
    customer = CustomerFactory(status="on_hold", hold_reason="Over limit, awaiting CFO",
                               follow_up_on=timezone.localdate() + timedelta(days=3), follow_up_note="call back")

    html = workspace(client, customer).content.decode()

    assert "On hold: Over limit, awaiting CFO" in html
    assert "call back" in html


def test_open_invoices_carry_disputed_promised_and_approval_flags(client):
    customer = CustomerFactory()
    disputed = owe(customer, "100.00", days_past_due=10, po_number="PO-77")
    promised = owe(customer, "200.00", days_past_due=5)
    waiting = owe(customer, "300.00", days_past_due=-3, approval_requested_on=timezone.localdate())
    resolved = owe(customer, "400.00", days_past_due=2)
    work_services.dispute_open(customer=customer, invoices=[disputed], amount="100.00",
                               root_cause=Dispute.RootCause.PRICING)
    old = work_services.dispute_open(customer=customer, invoices=[resolved], amount="400.00",
                                     root_cause=Dispute.RootCause.TAX)
    Dispute.objects.filter(pk=old.pk).update(status=Dispute.Status.RESOLVED)
    work_services.promise_record(customer=customer, amount="200.00", pay_by=timezone.localdate(), invoices=[promised])

    response = workspace(client, customer)

    rows = {i.external_id: i for i in response.context["open"]}
    assert (rows[disputed.external_id].is_disputed, rows[disputed.external_id].is_promised) == (True, False)
    assert (rows[promised.external_id].is_disputed, rows[promised.external_id].is_promised) == (False, True)
    assert rows[resolved.external_id].is_disputed is False
    assert rows[disputed.external_id].days_late == 10
    assert rows[waiting.external_id].days_late == -3
    html = response.content.decode()
    assert "disputed" in html and "promised" in html and "approval requested" in html and "PO-77" in html


def test_payments_credits_and_unapplied_cash_are_shown_and_highlighted(client, ledger_balances):
    customer = CustomerFactory(currency="USD")
    paid = owe(customer, "500.00", days_past_due=20)
    open_one = owe(customer, "700.00", days_past_due=5)
    today = timezone.localdate()
    services.payment_receive(customer=customer, external_id="PAY-1", received_date=today, amount="650.00",
                             currency="USD", applications=[(paid, Decimal("500.00"))])
    services.credit_note_issue(customer=customer, external_id="CN-1", issue_date=today, amount="80.00",
                               currency="USD", reason="damaged pallet")
    ledger_balances()

    response = workspace(client, customer)

    unapplied = response.context["unapplied"]
    assert (unapplied.cash, unapplied.credits, unapplied.total) == (
        Decimal("150.00"), Decimal("80.00"), Decimal("230.00"))
    assert [i.external_id for i in response.context["closed"]] == [paid.external_id]
    assert [i.external_id for i in response.context["open"]] == [open_one.external_id]
    html = response.content.decode()
    assert "PAY-1" in html and "CN-1" in html and "damaged pallet" in html
    assert "Talk to the customer about 230.00 USD" in html
    assert response.context["figures"].balance == Decimal("700.00")


def test_contacts_with_roles_and_bounced_email(client):
    customer = CustomerFactory()
    ContactFactory(customer=customer, name="Pat Clerk", role="ap_clerk", email_bounced_at=timezone.now())
    ContactFactory(customer=customer, name="Vic Controller", role="controller", is_primary=False)

    html = workspace(client, customer).content.decode()

    assert "Pat Clerk" in html and "AP clerk" in html and "email bounced" in html
    assert "Vic Controller" in html and "Controller" in html


def test_family_links_to_parent_and_children(client):
    head = CustomerFactory(name="Globex Holding")
    child = CustomerFactory(name="Globex East", parent=head)

    head_html = workspace(client, head).content.decode()
    child_html = workspace(client, child).content.decode()

    assert reverse("account", args=[child.pk]) in head_html
    assert reverse("account", args=[head.pk]) in child_html and "Globex Holding" in child_html


def test_timeline_lists_the_accounts_activities(client):
    customer = CustomerFactory()
    work_services.activity_log(customer=customer, kind=Activity.Kind.CALL, outcome=Activity.Outcome.VOICEMAIL,
                               subject="Asked about INV-9")

    response = workspace(client, customer)

    assert [entry.kind for entry in response.context["timeline"]] == ["activity"]
    assert "Asked about INV-9" in response.content.decode()


def test_long_lists_are_limited_with_a_show_all_link(client):
    customer = CustomerFactory()
    for n in range(30):
        owe(customer, "10.00", days_past_due=n)

    limited = workspace(client, customer)
    everything = workspace(client, customer, show="open")

    assert len(limited.context["open"]) == 25 and limited.context["open_more"]
    assert "Show all 30 open invoices" in limited.content.decode()
    assert len(everything.context["open"]) == 30 and not everything.context["open_more"]


def _book(customer, invoices: int) -> None:
    today = timezone.localdate()
    Invoice.objects.bulk_create(
        Invoice(customer=customer, external_id=f"B{customer.pk}-{n}", issue_date=today - timedelta(days=n + 30),
                due_date=today - timedelta(days=n), amount=Decimal("10.00"), open_amount=Decimal("10.00"),
                currency="USD", status=Invoice.Status.OPEN if n % 2 else Invoice.Status.PAID)
        for n in range(invoices)
    )
    Invoice.objects.filter(customer=customer, status=Invoice.Status.PAID).update(open_amount=0, closed_on=today)
    ContactFactory.create_batch(3, customer=customer)
    for n in range(3):
        work_services.activity_log(customer=customer, kind=Activity.Kind.NOTE, notes=f"note {n}", by=manager())


def test_workspace_query_count_is_the_same_for_5_or_500_invoices(client, django_assert_num_queries):
    portfolio = PortfolioFactory()
    small = CustomerFactory(portfolio=portfolio)
    big = CustomerFactory(portfolio=portfolio)
    _book(small, 5)
    _book(big, 500)
    client.force_login(portfolio.collector)

    counts = []
    for customer in (small, big):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("account", args=[customer.pk]), {"show": "closed"})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert response.context["figures"].open_count == 250 and len(response.context["closed"]) == 250
    with django_assert_num_queries(counts[1]):
        client.get(reverse("account", args=[big.pk]))
    assert counts[1] <= 27  # autopay panel: one query for the mandate; the customer's mail (inbox panel): one
