"""E-delivery coverage: the KPI on a data set worked out by hand, the worklist, the fixes, the goals,
and paper customers kept out of email."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ledger.models import Contact, Customer, FxRate
from portfolios.models import CollectorProfile
from team.e_delivery import GoalProgress, e_delivery_coverage, e_delivery_worklist, reasons_of, scope_customers
from team.e_delivery_services import customer_e_delivery_set
from team.models import EDeliveryGoal
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    InvoiceFactory,
    PortfolioFactory,
    TeamFactory,
    collector,
    finance,
    manager,
)
from work.models import Activity

pytestmark = pytest.mark.django_db


def owe(customer, amount: str, currency: str = "USD", issued: date = date(2026, 9, 1)):
    return InvoiceFactory(customer=customer, amount=Decimal(amount), open_amount=Decimal(amount), currency=currency,
                          issue_date=issued)


def known_book(portfolio=None):
    """Six customers, worked out by hand:
    A covered, 1,000 USD · B paper (AP email fine), 3,000 USD · C e-delivery on but only an owner's
    email (no AP clerk), 500 USD · D AP email bounced, nothing open · E covered, 500 EUR issued when
    EUR was 1.20 → 600 USD · F closed (covered, 7,000 USD) is left out.
    Customers: 2 covered of 5 active = 40.0 %. AR: 1,000 + 3,000 + 500 + 600 = 5,100 USD, covered
    1,000 + 600 = 1,600 → 31.4 %."""
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 8, 1), rate=Decimal("1.20"))
    a = CustomerFactory(name="A covered", portfolio=portfolio)
    ContactFactory(customer=a, role=Contact.Role.AP_CLERK, email="ap@a.example")
    owe(a, "1000.00")
    b = CustomerFactory(name="B paper", e_delivery=False, portfolio=portfolio)
    ContactFactory(customer=b, role=Contact.Role.AP_CLERK, email="ap@b.example")
    owe(b, "3000.00")
    c = CustomerFactory(name="C no AP", portfolio=portfolio)
    ContactFactory(customer=c, role=Contact.Role.OWNER, email="boss@c.example")
    ContactFactory(customer=c, role=Contact.Role.AP_CLERK, email="old@c.example", active=False)
    owe(c, "500.00")
    d = CustomerFactory(name="D bounced", portfolio=portfolio)
    ContactFactory(customer=d, role=Contact.Role.AP_CLERK, email="ap@d.example", email_bounced_at=timezone.now())
    e = CustomerFactory(name="E euro", currency="EUR", portfolio=portfolio)
    ContactFactory(customer=e, role=Contact.Role.AP_CLERK, email="ap@e.example")
    owe(e, "500.00", currency="EUR")
    f = CustomerFactory(name="F closed", status=Customer.Status.CLOSED, portfolio=portfolio)
    ContactFactory(customer=f, role=Contact.Role.AP_CLERK, email="ap@f.example")
    owe(f, "7000.00")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}


def test_coverage_kpi_on_a_known_book():
    known_book()

    kpi = e_delivery_coverage(Customer.objects.all())

    assert (kpi.customers, kpi.covered, kpi.paper, kpi.missing, kpi.bounced) == (5, 2, 1, 1, 1)
    assert kpi.customer_share == Decimal("0.4") and kpi.customer_percent == Decimal("40.0")
    assert (kpi.ar_total, kpi.ar_covered) == (Decimal("5100.00"), Decimal("1600.00"))
    assert kpi.ar_percent == Decimal("31.4")


def test_coverage_of_an_empty_book_is_undefined_not_zero():
    kpi = e_delivery_coverage(Customer.objects.all())
    assert (kpi.customers, kpi.customer_share, kpi.ar_share) == (0, None, None)


def test_worklist_says_why_each_account_is_not_covered_largest_balance_first():
    known_book()

    rows = list(e_delivery_worklist(Customer.objects.all()))
    paper_only = list(e_delivery_worklist(Customer.objects.all(), reason="paper"))

    assert [(r.name, reasons_of(r), r.balance) for r in rows] == [
        ("B paper", ["paper"], Decimal("3000.00")),
        ("C no AP", ["missing"], Decimal("500.00")),
        ("D bounced", ["bounced"], Decimal("0.00")),
    ]
    assert rows[2].ap_email == "ap@d.example"
    assert [r.name for r in paper_only] == ["B paper"]


def test_collector_sees_only_own_worklist_and_kpi(client, django_assert_max_num_queries):
    alice = collector("alice")
    known_book(PortfolioFactory(collector=alice))
    for n in range(30):  # somebody else's paper accounts, enough to expose a query per row
        other = CustomerFactory(name=f"Other {n:02d}", e_delivery=False, portfolio=PortfolioFactory())
        owe(other, "10.00")
    client.force_login(alice)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("e_delivery"))

    body = response.content.decode()
    assert "Other 00" not in body and "B paper" in body
    assert response.context["coverage"].customers == 5


def test_manager_worklist_page_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    for n in range(60):
        customer = CustomerFactory(name=f"Paper {n:02d}", e_delivery=False, portfolio=PortfolioFactory())
        ContactFactory(customer=customer, role=Contact.Role.AP_CLERK)
        owe(customer, f"{n + 1}.00")
    client.force_login(manager())

    with django_assert_max_num_queries(14):
        response = client.get(reverse("e_delivery"), {"sort": "balance"})

    rows = response.context["page"].object_list
    assert len(rows) == 50 and rows[0].name == "Paper 59"


def test_switching_on_needs_a_working_ap_email_and_every_change_is_logged():
    boss = manager()
    book = known_book()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Nothing to change"):
        customer_e_delivery_set(customer=book["a"], by=boss, e_delivery=True)  # already on email
    with pytest.raises(ValidationError):
        customer_e_delivery_set(customer=book["d"], by=boss, ap_email="not-an-email")

    customer_e_delivery_set(customer=book["d"], by=boss, ap_email="payables@d.example")
    customer_e_delivery_set(customer=book["c"], by=boss, ap_email="ap@c.example")
    customer_e_delivery_set(customer=book["b"], by=boss, e_delivery=True)

    kpi = e_delivery_coverage(Customer.objects.all())
    assert kpi.covered == 5 and kpi.customer_share == Decimal("1")
    d_contact = Contact.objects.get(customer=book["d"], role=Contact.Role.AP_CLERK)
    assert (d_contact.email, d_contact.email_bounced_at) == ("payables@d.example", None)
    subjects = list(Activity.objects.order_by("pk").values_list("customer__name", "subject"))
    assert subjects[0] == ("D bounced", "E-delivery: AP email for " + d_contact.name
                           + " set to payables@d.example (was ap@d.example)")
    assert subjects[1] == ("C no AP", "E-delivery: AP email added: ap@c.example")
    assert Contact.objects.get(customer=book["c"], active=True, role=Contact.Role.AP_CLERK).name == "Accounts payable"
    assert subjects[2] == ("B paper", "E-delivery: Switched to e-delivery (email)")


def test_paper_account_without_ap_email_cannot_be_switched_on():
    customer = CustomerFactory(e_delivery=False)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="AP email"):
        customer_e_delivery_set(customer=customer, by=None, e_delivery=True)
    customer.refresh_from_db()
    assert customer.e_delivery is False and not Activity.objects.exists()


def test_worklist_fix_by_htmx_replaces_the_row_and_refuses_other_portfolios(client):
    alice = collector("alice")
    mine = CustomerFactory(e_delivery=False, portfolio=PortfolioFactory(collector=alice))
    ContactFactory(customer=mine, role=Contact.Role.AP_CLERK, email="ap@mine.example")
    theirs = CustomerFactory(e_delivery=False, portfolio=PortfolioFactory())
    client.force_login(alice)

    fixed = client.post(reverse("e_delivery_fix", args=[mine.pk]), {"e_delivery": "on"}, HTTP_HX_REQUEST="true")
    refused = client.post(reverse("e_delivery_fix", args=[theirs.pk]), {"e_delivery": "on"})

    mine.refresh_from_db()
    assert mine.e_delivery is True
    assert f'id="account-{mine.pk}"' in fixed.content.decode() and "is covered now" in fixed.content.decode()
    assert refused.status_code == 404
    client.force_login(finance())
    assert client.post(reverse("e_delivery_fix", args=[theirs.pk]), {"e_delivery": "on"}).status_code == 403


def test_manager_sets_a_goal_of_plus_20_points_in_four_months(client):
    known_book()
    client.force_login(manager())

    response = client.post(reverse("e_delivery_goal"), {"gain_points": "20", "months": "4"})

    goal = EDeliveryGoal.objects.get()
    today = timezone.localdate()
    assert response.status_code == 302
    assert (goal.team, goal.baseline_share, goal.target_share) == (None, Decimal("0.4000"), Decimal("0.6000"))
    assert goal.starts_on == today and goal.ends_on.month == (today.month + 3) % 12 + 1


def test_collector_cannot_set_a_goal(client):
    client.force_login(collector())
    assert client.post(reverse("e_delivery_goal"), {"gain_points": "20", "months": "4"}).status_code == 403
    assert not EDeliveryGoal.objects.exists()


def test_goal_progress_against_the_straight_path():
    goal = EDeliveryGoal(starts_on=date(2026, 1, 1), ends_on=date(2026, 5, 1), baseline_share=Decimal("0.40"),
                         target_share=Decimal("0.60"))
    # 60 of 120 days gone: the straight path is at 50 %.
    ahead = GoalProgress(goal=goal, on=date(2026, 3, 2), now=Decimal("0.55"))
    behind = GoalProgress(goal=goal, on=date(2026, 3, 2), now=Decimal("0.45"))

    assert (ahead.days_elapsed, ahead.days_total, ahead.expected) == (60, 120, Decimal("0.50"))
    assert (ahead.percent_of_way, ahead.on_track) == (Decimal("75.0"), True)
    assert (behind.percent_of_way, behind.on_track) == (Decimal("25.0"), False)
    assert ahead.chart()["path"] == [40.0, 50.0, 60.0] and ahead.chart()["actual"] == [40.0, 55.0, None]


def test_team_goal_counts_only_the_teams_portfolios_and_shows_on_the_dashboard(client):
    boss = manager()
    team = TeamFactory(manager=boss)
    alice = collector("alice")
    CollectorProfile.objects.filter(user=alice).update(team=team)
    known_book(PortfolioFactory(collector=alice))
    outsider = CustomerFactory(name="Outside", e_delivery=False, portfolio=PortfolioFactory())
    today = timezone.localdate()
    EDeliveryGoal.objects.create(team=team, starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=110),
                                 baseline_share=Decimal("0.3000"), target_share=Decimal("0.5000"))
    client.force_login(boss)

    response = client.get(reverse("team"))

    assert outsider not in scope_customers(team)
    [progress] = response.context["e_delivery_goals"]
    assert progress.now == Decimal("0.4") and progress.percent_of_way == Decimal("50.0")
    assert f'id="goal-{progress.goal.pk}"' in response.content.decode()


def test_paper_customers_get_no_dunning_email_and_no_statement_email():
    from reminders.recipients import dunning_recipients, statement_recipient

    book = known_book()

    recipients = dunning_recipients([book["a"].pk, book["b"].pk])

    assert set(recipients) == {book["a"].pk}
    assert statement_recipient(book["b"]) is None
    assert statement_recipient(book["a"]).email == "ap@a.example"


def test_the_customer_share_alone_does_not_read_the_open_invoices(django_assert_num_queries):
    """Goals (on the team dashboard, every visit) need the customer share only: one query, where the
    AR shares add up every open invoice twice."""
    CustomerFactory(e_delivery=True)
    CustomerFactory(e_delivery=False)
    with django_assert_num_queries(1):
        kpi = e_delivery_coverage(Customer.objects.all(), with_ar=False)
    assert (kpi.customers, kpi.paper, kpi.ar_total) == (2, 1, None)
    assert e_delivery_coverage(Customer.objects.all()).ar_total is not None
