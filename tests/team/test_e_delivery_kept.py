"""The e-delivery page keeps its figures (the KPI, the worklist's page, the goals' shares) as the
other morning pages do, and never shows one from before a write that changed it: each writer of what
the page shows, right after a kept visit, and the next visit shows the figure as it is now."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.assignments import customers_assign
from ledger.imports.engine import import_rows
from ledger.models import Contact, Customer
from ledger.selectors import visible_customers
from ledger.services import payment_receive
from reminders.deliverability import address_suppress
from reminders.models import OutboundMessage, Suppression
from reminders.tracking import bounce_record
from team.e_delivery import e_delivery_coverage, e_delivery_worklist, scope_customers
from team.e_delivery_services import customer_e_delivery_set
from team.models import EDeliveryGoal
from team.warm import morning_figures_warm
from tests.factories import ContactFactory, CustomerFactory, PortfolioFactory, TeamFactory, manager
from tests.team.test_e_delivery import known_book, owe

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeping(settings):
    settings.REPORT_CACHE_SECONDS = 600


@pytest.fixture
def book():
    """The hand-worked book of test_e_delivery in a portfolio on no team (a manager sees it), with
    a whole-book goal, and the manager who opens the page."""
    portfolio = PortfolioFactory()
    accounts = known_book(portfolio)
    today = timezone.localdate()
    EDeliveryGoal.objects.create(team=None, starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=110),
                                 baseline_share=Decimal("0.2000"), target_share=Decimal("0.6000"))
    return {**accounts, "portfolio": portfolio, "boss": manager()}


def shown(response) -> tuple:
    """What the page shows: the KPI, the worklist (count and rows with why and balance), the goals'
    shares."""
    c = response.context["coverage"]
    rows = [(r.name, tuple(r.why), r.balance, r.ap_email) for r in response.context["page"].object_list]
    goals = [g.now for g in response.context["goals"]]
    return ((c.customers, c.covered, c.paper, c.missing, c.bounced, c.ar_total, c.ar_covered),
            response.context["page"].paginator.count, rows, goals)


def computed_now(user) -> tuple:
    """The same figures computed from the database as it is (outside a page nothing is kept)."""
    c = e_delivery_coverage(visible_customers(user))
    worklist = list(e_delivery_worklist(visible_customers(user)))
    rows = [(r.name, tuple(_why(r)), r.balance, r.ap_email) for r in worklist[:50]]
    goal_share = e_delivery_coverage(scope_customers(None), with_ar=False).customer_share
    return ((c.customers, c.covered, c.paper, c.missing, c.bounced, c.ar_total, c.ar_covered),
            len(worklist), rows, [goal_share])


def _why(row) -> list[str]:
    from team.e_delivery import REASONS, reasons_of

    return [REASONS[key] for key in reasons_of(row)]


def _visit(client, **params):
    response = client.get(reverse("e_delivery"), params)
    assert response.status_code == 200
    return response


def switched_to_paper(book):
    customer_e_delivery_set(customer=book["a"], by=book["boss"], e_delivery=False)


def ap_email_added(book):
    customer_e_delivery_set(customer=book["c"], by=book["boss"], ap_email="ap@c.example")


def ap_email_edited(book):
    contact = Contact.objects.get(customer=book["a"], role=Contact.Role.AP_CLERK)
    contact.email = ""
    contact.save()


def ap_contact_deactivated(book):
    contact = Contact.objects.get(customer=book["e"], role=Contact.Role.AP_CLERK)
    contact.active = False
    contact.save(update_fields=["active"])


def contact_added(book):
    ContactFactory(customer=book["c"], role=Contact.Role.AP_CLERK, email="new@c.example")


def address_suppressed(book):
    address_suppress(address="ap@a.example", reason=Suppression.Reason.HARD_BOUNCE, source="test")


def bounce_reported(book):
    OutboundMessage.objects.create(customer=book["e"], kind=OutboundMessage.Kind.MANUAL, key="statement",
                                   to_email="ap@e.example", sent_at=timezone.now())
    assert bounce_record(recipient="ap@e.example", reason="mailbox unknown") is not None


def invoice_paid(book):
    invoice = book["b"].invoices.get()
    payment_receive(customer=book["b"], external_id="PAY-1", received_date=timezone.localdate(),
                    amount=invoice.open_amount, currency=invoice.currency,
                    applications=[(invoice, invoice.open_amount)])


def customer_closed(book):
    customer = Customer.objects.get(pk=book["b"].pk)
    customer.status = Customer.Status.CLOSED
    customer.save()


def customer_reassigned(book):
    customers_assign(customer_ids=[book["b"].pk], portfolio=PortfolioFactory(team=TeamFactory()))


def customers_imported(book):
    result = import_rows(customers=[{"customer_id": "NEW-1", "name": "A new account"}])
    assert not result.errors


def portfolio_given_to_a_team(book):
    book["portfolio"].team = TeamFactory()
    book["portfolio"].save()


WRITERS = [switched_to_paper, ap_email_added, ap_email_edited, ap_contact_deactivated, contact_added,
           address_suppressed, bounce_reported, invoice_paid, customer_closed, customer_reassigned,
           customers_imported, portfolio_given_to_a_team]


@pytest.mark.parametrize("write", WRITERS, ids=lambda w: w.__name__)
def test_a_write_right_after_a_kept_visit_shows_on_the_next_visit(client, keeping, book, write,
                                                                  django_capture_on_commit_callbacks):
    client.force_login(book["boss"])
    first = _visit(client)
    kept = _visit(client)
    assert b"Figures computed at" in kept.content and shown(kept) == shown(first)  # kept, not recomputed
    before = computed_now(book["boss"])

    with django_capture_on_commit_callbacks(execute=True):  # the write commits
        write(book)

    after = _visit(client)
    assert computed_now(book["boss"]) != before  # the write changed what the page shows
    assert shown(after) == computed_now(book["boss"])


def test_a_kept_figure_stays_until_recomputed_when_nothing_says_it_changed(client, keeping, book):
    """The control: a write behind every writer's back (no generation moves) is not seen until the
    reader asks to recompute; the kept line says when the figures were computed."""
    client.force_login(book["boss"])
    first = _visit(client)
    Customer.objects.filter(pk=book["a"].pk).update(e_delivery=False)

    kept = _visit(client)
    fresh = _visit(client, fresh="1")

    assert shown(kept) == shown(first) != computed_now(book["boss"])
    body = kept.content.decode()
    assert "Figures computed at" in body and "fresh=1" in body and "Recompute now" in body
    assert shown(fresh) == computed_now(book["boss"])


def test_a_goal_set_shows_at_once(client, keeping, book, django_capture_on_commit_callbacks):
    client.force_login(book["boss"])
    _visit(client)
    team = TeamFactory(manager=book["boss"])
    CustomerFactory(portfolio=PortfolioFactory(team=team))  # on e-delivery, no AP email: 0 % covered
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("e_delivery_goal"), {"team": team.pk, "gain_points": "20",
                                                        "months": "4"}).status_code == 302
    goals = {g.goal.team: g for g in _visit(client).context["goals"]}  # NULL sorts first or last by database
    assert set(goals) == {None, team}
    assert goals[team].now == e_delivery_coverage(scope_customers(team), with_ar=False).customer_share


def test_each_viewer_gets_the_figures_of_their_own_accounts(client, keeping, book):
    other = manager()  # manages no team: sees the accounts on no team too, the same rows
    mine = TeamFactory(manager=book["boss"])
    in_my_team = CustomerFactory(name="My team's", e_delivery=False, portfolio=PortfolioFactory(team=mine))
    owe(in_my_team, "10.00")
    client.force_login(book["boss"])
    boss_page = shown(_visit(client))
    client.force_login(other)
    other_page = shown(_visit(client))

    assert boss_page == computed_now(book["boss"]) and other_page == computed_now(other)
    assert boss_page[1] == other_page[1] + 1


def test_the_worklist_partial_and_its_pages_are_kept_per_filter(client, keeping, book):
    for n in range(55):
        CustomerFactory(name=f"Paper {n:02d}", e_delivery=False, portfolio=book["portfolio"])
    client.force_login(book["boss"])
    for params, number in (({"reason": "paper"}, 1), ({"reason": "paper", "page": "2"}, 2),
                           ({"sort": "name", "page": "9"}, 2)):  # page 9 of 2: the last one
        expected = list(e_delivery_worklist(visible_customers(book["boss"]), reason=params.get("reason", ""),
                                            sort=params.get("sort", "balance")))[(number - 1) * 50:number * 50]
        for _ in range(2):  # computed, then kept
            body = client.get(reverse("e_delivery"), params, HTTP_HX_REQUEST="true").content.decode()
            assert re.findall(r'<tr id="account-(\d+)">', body) == [str(r.pk) for r in expected]
            assert 'id="worklist"' in body and "<html" not in body and f"Page {number} of 2" in body


def test_a_fix_refused_on_a_kept_page_says_why(client, keeping, book):
    client.force_login(book["boss"])
    _visit(client)
    response = client.post(reverse("e_delivery_fix", args=[book["b"].pk]), {"ap_email": "not an email"},
                           HTTP_HX_REQUEST="true")
    assert "Enter a valid email address" in response.content.decode()


def test_a_kept_visit_reads_no_account_contact_or_invoice(client, keeping, book, django_assert_num_queries):
    for n in range(60):  # enough rows to expose a query per row
        customer = CustomerFactory(name=f"Paper {n:02d}", e_delivery=False, portfolio=book["portfolio"])
        owe(customer, f"{n + 1}.00")
    client.force_login(book["boss"])
    _visit(client)

    # session, user, roles; the goals, the goal form's teams, the statements to print (read as they are)
    with django_assert_num_queries(6) as queries:
        response = _visit(client)

    assert len(response.context["page"].object_list) == 50
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "collections_app_contact" not in tables and "collections_app_invoice" not in tables


def test_the_morning_warm_up_makes_the_first_visit_a_kept_one(client, keeping, book):
    assert morning_figures_warm(timezone.localdate()) > 0
    client.force_login(book["boss"])
    first = _visit(client)
    assert b"Figures computed at" in first.content and shown(first) == computed_now(book["boss"])
