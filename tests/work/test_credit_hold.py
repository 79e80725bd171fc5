"""Credit hold: the rules, holds and releases by hand, the pages, and what the ERP reads."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from ledger.models import Customer, FxRate
from portfolios.access import INTEGRATION
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, UserFactory, collector, finance, manager
from work.holds.models import CreditHoldEvent, CreditHoldRule
from work.holds.selectors import accounts_on_hold
from work.holds.services import CreditHoldError, credit_hold_place, credit_hold_release, credit_holds_apply_rules
from work.models import QueueTask
from work.plans.models import PaymentPlan
from work.timeline import timeline_for

pytestmark = pytest.mark.django_db

ON = date(2026, 10, 1)


def owe(customer, amount: str, *, due: date, open_amount: str | None = None, currency: str = "USD"):
    return InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due,
                          amount=Decimal(amount), open_amount=Decimal(open_amount or amount), currency=currency)


def rule(kind, name=None, **kwargs):
    return CreditHoldRule.objects.create(name=name or kind, kind=kind, **kwargs)


def integration_user(username="erp"):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get_or_create(name=INTEGRATION)[0])
    return user


# --- Rules ---------------------------------------------------------------------------------------


def test_over_limit_rule_holds_only_accounts_whose_open_balance_exceeds_a_positive_limit():
    rule(CreditHoldRule.Kind.OVER_CREDIT_LIMIT)
    over = CustomerFactory(name="Over", credit_limit=Decimal("1000.00"))
    owe(over, "600.00", due=ON + timedelta(days=10))
    owe(over, "500.00", due=ON + timedelta(days=20))
    at_limit = CustomerFactory(name="At limit", credit_limit=Decimal("1000.00"))
    owe(at_limit, "1000.00", due=ON)
    no_limit = CustomerFactory(name="No limit", credit_limit=Decimal("0.00"))
    owe(no_limit, "99999.00", due=ON)

    result = credit_holds_apply_rules(on=ON)

    assert result.held == 1
    assert list(Customer.objects.filter(credit_hold=True).values_list("name", flat=True)) == ["Over"]
    over.refresh_from_db()
    assert "over the credit limit" in over.credit_hold_reason and "1,100.00" in over.credit_hold_reason
    event = CreditHoldEvent.objects.get()
    assert (event.customer, event.action, event.source, event.balance) == (over, "hold", "rule", Decimal("1100.00"))


def test_days_past_due_rule_needs_an_invoice_more_than_n_days_late():
    rule(CreditHoldRule.Kind.DAYS_PAST_DUE, days_past_due=60)
    late = CustomerFactory(name="Sixty one")
    owe(late, "100.00", due=ON - timedelta(days=61))
    exactly = CustomerFactory(name="Sixty")
    owe(exactly, "100.00", due=ON - timedelta(days=60))
    paid = CustomerFactory(name="Paid long ago")
    owe(paid, "100.00", due=ON - timedelta(days=200), open_amount="0.00").__class__.objects.filter(
        customer=paid).update(status="paid")

    credit_holds_apply_rules(on=ON)

    assert list(Customer.objects.filter(credit_hold=True).values_list("name", flat=True)) == ["Sixty one"]


def test_broken_plan_rule_holds_the_account_of_a_broken_plan_only():
    rule(CreditHoldRule.Kind.BROKEN_PLAN)
    broken, on_track = CustomerFactory(name="Broken"), CustomerFactory(name="On track")
    for customer, status in ((broken, PaymentPlan.Status.BROKEN), (on_track, PaymentPlan.Status.ACTIVE)):
        owe(customer, "900.00", due=ON - timedelta(days=40))
        PaymentPlan.objects.create(customer=customer, total_amount=Decimal("900.00"), currency="USD", status=status)

    credit_holds_apply_rules(on=ON)

    assert list(Customer.objects.filter(credit_hold=True).values_list("name", flat=True)) == ["Broken"]


def test_rule_minimum_segment_and_inactive_rules_narrow_who_is_held():
    rule(CreditHoldRule.Kind.DAYS_PAST_DUE, name="Big and late", days_past_due=30, min_amount=Decimal("5000.00"),
         segment="enterprise")
    rule(CreditHoldRule.Kind.DAYS_PAST_DUE, name="Switched off", days_past_due=1, active=False)
    small = CustomerFactory(name="Small", segment="enterprise")
    owe(small, "4999.99", due=ON - timedelta(days=45))
    big = CustomerFactory(name="Big", segment="enterprise")
    owe(big, "5000.00", due=ON - timedelta(days=45))
    other_segment = CustomerFactory(name="SMB", segment="smb")
    owe(other_segment, "9000.00", due=ON - timedelta(days=45))
    # 4,000 EUR at 1.30 = 5,200 base: over the minimum, which is in base currency.
    FxRate.objects.create(currency="EUR", rate_date=ON - timedelta(days=5), rate=Decimal("1.30"))
    euro = CustomerFactory(name="Euro", segment="enterprise", currency="EUR")
    owe(euro, "4000.00", due=ON - timedelta(days=45), currency="EUR")

    result = credit_holds_apply_rules(on=ON)

    assert result.rules == 1
    assert sorted(Customer.objects.filter(credit_hold=True).values_list("name", flat=True)) == ["Big", "Euro"]


def test_rules_skip_exempt_and_closed_accounts_and_a_second_pass_changes_nothing():
    rule(CreditHoldRule.Kind.DAYS_PAST_DUE, days_past_due=10)
    exempt = CustomerFactory(name="Exempt", credit_hold_exempt_until=ON)
    exemption_over = CustomerFactory(name="Exemption over", credit_hold_exempt_until=ON - timedelta(days=1))
    closed = CustomerFactory(name="Closed", status=Customer.Status.CLOSED)
    for customer in (exempt, exemption_over, closed):
        owe(customer, "100.00", due=ON - timedelta(days=30))

    first = credit_holds_apply_rules(on=ON)
    second = credit_holds_apply_rules(on=ON)

    assert (first.held, second.held) == (1, 0)
    assert list(Customer.objects.filter(credit_hold=True).values_list("name", flat=True)) == ["Exemption over"]
    assert CreditHoldEvent.objects.count() == 1


def test_a_rule_hold_puts_a_task_on_the_collectors_queue_once():
    rule(CreditHoldRule.Kind.DAYS_PAST_DUE, days_past_due=10)
    customer = CustomerFactory(portfolio=PortfolioFactory())
    owe(customer, "100.00", due=ON - timedelta(days=30))

    credit_holds_apply_rules(on=ON)
    credit_holds_apply_rules(on=ON)

    task = QueueTask.objects.get()
    assert (task.customer, task.kind, task.status, task.due_on) == (customer, QueueTask.Kind.CREDIT_HOLD, "open", ON)
    assert "credit hold" in task.title.lower()


def test_rules_never_release_a_hold_when_the_condition_clears():
    rule(CreditHoldRule.Kind.DAYS_PAST_DUE, days_past_due=10)
    customer = CustomerFactory()
    invoice = owe(customer, "100.00", due=ON - timedelta(days=30))
    credit_holds_apply_rules(on=ON)
    type(invoice).objects.filter(pk=invoice.pk).update(status="paid", open_amount=0)

    credit_holds_apply_rules(on=ON + timedelta(days=1))

    customer.refresh_from_db()
    assert customer.credit_hold is True
    assert CreditHoldEvent.objects.filter(action="release").count() == 0


def test_nightly_queue_job_applies_the_hold_rules():
    from work import tasks

    rule(CreditHoldRule.Kind.DAYS_PAST_DUE, days_past_due=10)
    customer = CustomerFactory(portfolio=PortfolioFactory())
    owe(customer, "100.00", due=timezone.localdate() - timedelta(days=30))

    tasks.queues_build_nightly.delay().get()

    customer.refresh_from_db()
    assert customer.credit_hold is True


# --- By hand -------------------------------------------------------------------------------------


def test_manual_hold_and_release_need_a_reason_and_log_each_change_with_the_balance():
    boss = manager("boss")
    customer = CustomerFactory()
    owe(customer, "250.00", due=ON)
    with pytest.raises(CreditHoldError):
        credit_hold_place(customer=customer, reason="   ", by=boss)

    credit_hold_place(customer=customer, reason="Cheque bounced twice", by=boss)
    with pytest.raises(CreditHoldError):
        credit_hold_place(customer=customer, reason="Again", by=boss)
    with pytest.raises(CreditHoldError):
        credit_hold_release(customer=customer, reason="", by=boss)
    credit_hold_release(customer=customer, reason="Paid in full", by=boss,
                        exempt_until=timezone.localdate() + timedelta(days=30))
    with pytest.raises(CreditHoldError):
        credit_hold_release(customer=customer, reason="Twice", by=boss)

    customer.refresh_from_db()
    assert (customer.credit_hold, customer.credit_hold_reason, customer.credit_hold_since) == (False, "", None)
    assert customer.credit_hold_exempt_until == timezone.localdate() + timedelta(days=30)
    events = list(CreditHoldEvent.objects.values_list("action", "source", "reason", "balance", "by__username"))
    assert events == [("hold", "manual", "Cheque bounced twice", Decimal("250.00"), "boss"),
                      ("release", "manual", "Paid in full", Decimal("250.00"), "boss")]


def test_hold_and_release_show_on_the_account_timeline():
    boss = manager()
    customer = CustomerFactory()
    credit_hold_place(customer=customer, reason="Over limit after big order", by=boss)
    credit_hold_release(customer=customer, reason="Limit raised", by=boss)

    titles = [e.title for e in timeline_for(customer) if e.kind == "hold"]

    assert titles == ["Credit hold released (by hand)", "Put on credit hold (by hand)"]


def test_collector_holds_own_account_from_the_page_but_only_a_manager_releases(client):
    alice = collector("alice")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    client.force_login(alice)

    refused = client.post(reverse("account_credit_hold", args=[customer.pk]), {"reason": ""})
    held = client.post(reverse("account_credit_hold", args=[customer.pk]), {"reason": "Refuses to pay"})
    release = client.post(reverse("account_credit_release", args=[customer.pk]), {"reason": "Paid"})

    customer.refresh_from_db()
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    assert held.status_code == 302 and customer.credit_hold and customer.credit_hold_reason == "Refuses to pay"
    assert release.status_code == 403
    client.force_login(manager())
    client.post(reverse("account_credit_release", args=[customer.pk]), {"reason": "Paid"})
    customer.refresh_from_db()
    assert customer.credit_hold is False


def test_collector_cannot_hold_or_see_the_hold_of_another_portfolio(client):
    alice = collector("alice")
    theirs = CustomerFactory(portfolio=PortfolioFactory())
    client.force_login(alice)

    assert client.get(reverse("account_credit_hold", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("account_credit_hold", args=[theirs.pk]), {"reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.credit_hold is False


def test_finance_sees_holds_but_cannot_hold(client):
    customer = CustomerFactory()
    client.force_login(finance())

    assert client.get(reverse("account_credit_hold", args=[customer.pk])).status_code == 200
    assert client.post(reverse("account_credit_hold", args=[customer.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("account_credit_release", args=[customer.pk]), {"reason": "x"}).status_code == 403


def test_hold_badge_shows_on_the_workspace_the_accounts_list_and_the_messages_page(client):
    boss = manager()
    customer = CustomerFactory(name="Held Ltd")
    credit_hold_place(customer=customer, reason="Bankruptcy filing", by=boss)
    client.force_login(boss)

    workspace = client.get(reverse("account", args=[customer.pk])).content.decode()
    listing = client.get(reverse("accounts")).content.decode()
    messages_page = client.get(reverse("account_messages", args=[customer.pk])).content.decode()

    assert "Credit hold: Bankruptcy filing" in workspace and "Release hold…" in workspace
    assert "credit-hold" in listing
    assert "Credit hold: Bankruptcy filing" in messages_page


# --- Managers' pages -----------------------------------------------------------------------------


def test_holds_page_lists_accounts_on_hold_with_their_balance_in_base_currency(client, django_assert_max_num_queries):
    boss = manager()
    FxRate.objects.create(currency="EUR", rate_date=date(2026, 1, 1), rate=Decimal("1.10"))
    for n in range(12):
        customer = CustomerFactory(name=f"Held {n:02d}", portfolio=PortfolioFactory())
        owe(customer, "100.00", due=ON)
        owe(customer, "50.00", due=ON)
        credit_hold_place(customer=customer, reason=f"Reason {n}", by=boss)
    euro = CustomerFactory(name="Euro held", currency="EUR")
    owe(euro, "1000.00", due=ON, currency="EUR")
    credit_hold_place(customer=euro, reason="EUR account", by=boss)
    CustomerFactory(name="Not held")
    client.force_login(boss)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("holds"))

    book = response.context["book"]
    assert len(book.accounts) == 13 and book.accounts[0].name == "Euro held"
    assert book.total_base == Decimal("12") * Decimal("150.00") + Decimal("1100.00")
    assert book.by_currency == {"EUR": Decimal("1000.00"), "USD": Decimal("1800.00")}
    assert "Not held" not in response.content.decode()
    assert len(response.context["events"]) == 13


def test_collector_sees_only_own_accounts_on_the_holds_page():
    alice = collector("alice")
    mine = CustomerFactory(name="Mine", portfolio=PortfolioFactory(collector=alice))
    theirs = CustomerFactory(name="Theirs", portfolio=PortfolioFactory())
    for customer in (mine, theirs):
        credit_hold_place(customer=customer, reason="x", by=None)
    from ledger.selectors import visible_customers

    assert [a.name for a in accounts_on_hold(visible_customers(alice)).accounts] == ["Mine"]


def test_manager_creates_edits_and_switches_off_a_rule(client):
    client.force_login(manager())
    missing_days = client.post(reverse("hold_rules"), {"name": "Late", "kind": "days_past_due", "min_amount": "0"})
    created = client.post(reverse("hold_rules"), {"name": "Late", "kind": "days_past_due", "days_past_due": "90",
                                                  "min_amount": "0", "active": "on"})
    saved = CreditHoldRule.objects.get()
    switched_off = client.post(reverse("hold_rule", args=[saved.pk]), {"name": "Late", "kind": "days_past_due",
                                                                       "days_past_due": "90", "min_amount": "0"})

    assert missing_days.status_code == 400
    assert created.status_code == 302 and switched_off.status_code == 302
    saved.refresh_from_db()
    assert (saved.days_past_due, saved.active) == (90, False)


def test_collector_cannot_open_the_rules_page(client):
    client.force_login(collector())
    assert client.get(reverse("hold_rules")).status_code == 403


# --- API -----------------------------------------------------------------------------------------


def api_client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_customer_shows_the_hold_and_filters_on_it():
    erp = integration_user()
    held, free = CustomerFactory(name="Held"), CustomerFactory(name="Free")
    credit_hold_place(customer=held, reason="Over limit", by=None)

    rows = api_client(erp).get("/api/customers/", {"credit_hold": "true"}).json()["results"]
    detail = api_client(erp).get(f"/api/customers/{free.pk}/").json()

    assert [(r["name"], r["credit_hold"], r["credit_hold_reason"]) for r in rows] == [("Held", True, "Over limit")]
    assert rows[0]["credit_hold_since"] is not None
    assert (detail["credit_hold"], detail["credit_hold_since"], detail["e_delivery"]) == (False, None, True)


def test_erp_polls_hold_events_with_a_cursor_and_sees_each_once():
    erp, boss = integration_user(), manager()
    customers = [CustomerFactory() for _ in range(3)]
    for customer in customers:
        credit_hold_place(customer=customer, reason="hold", by=boss)
    api = api_client(erp)

    first = api.get("/api/credit-hold-events/", {"after": 0, "limit": 2}).json()
    second = api.get("/api/credit-hold-events/", {"after": first["next_after"], "limit": 2}).json()
    credit_hold_release(customer=customers[0], reason="paid", by=boss)
    third = api.get("/api/credit-hold-events/", {"after": second["next_after"], "limit": 2}).json()
    idle = api.get("/api/credit-hold-events/", {"after": third["next_after"]}).json()

    assert [len(first["results"]), first["has_more"], len(second["results"]), second["has_more"]] == [2, True, 1, False]
    assert [(e["action"], e["customer"]) for e in third["results"]] == [("release", customers[0].pk)]
    assert third["results"][0]["by"] == boss.username and third["results"][0]["reason"] == "paid"
    assert idle == {"next_after": third["next_after"], "has_more": False, "results": []}
    seen = [e["id"] for page in (first, second, third) for e in page["results"]]
    assert seen == sorted(seen) and len(set(seen)) == 4


def test_hold_events_api_is_scoped_to_the_collectors_portfolio_and_refuses_bad_cursors():
    alice = collector("alice")
    mine = CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    theirs = CustomerFactory(portfolio=PortfolioFactory())
    credit_hold_place(customer=mine, reason="mine", by=None)
    credit_hold_place(customer=theirs, reason="theirs", by=None)

    rows = api_client(alice).get("/api/credit-hold-events/").json()["results"]
    everything = api_client(finance()).get("/api/credit-hold-events/").json()["results"]

    assert [r["customer"] for r in rows] == [mine.pk]
    assert len(everything) == 2
    assert api_client(alice).get("/api/credit-hold-events/", {"after": "x"}).status_code == 400
    assert api_client(alice).get("/api/credit-hold-events/", {"limit": 0}).status_code == 400


def test_api_holds_and_releases_with_roles_checked():
    erp = integration_user()
    alice = collector("alice")
    mine = CustomerFactory(portfolio=PortfolioFactory(collector=alice))
    theirs = CustomerFactory(portfolio=PortfolioFactory())
    url = "/api/customers/{}/credit-hold/"

    held = api_client(alice).post(url.format(mine.pk), {"action": "hold", "reason": "Stop orders"}, format="json")
    not_mine = api_client(alice).post(url.format(theirs.pk), {"action": "hold", "reason": "x"}, format="json")
    alice_release = api_client(alice).post(url.format(mine.pk), {"action": "release", "reason": "x"}, format="json")
    finance_hold = api_client(finance()).post(url.format(theirs.pk), {"action": "hold", "reason": "x"},
                                              format="json")
    again = api_client(erp).post(url.format(mine.pk), {"action": "hold", "reason": "x"}, format="json")
    released = api_client(erp).post(url.format(mine.pk), {"action": "release", "reason": "Paid",
                                                           "exempt_until": "2099-01-01"}, format="json")

    assert held.status_code == 201 and held.json()["source"] == "api" and held.json()["action"] == "hold"
    assert (not_mine.status_code, alice_release.status_code, finance_hold.status_code) == (404, 403, 403)
    assert again.status_code == 400
    assert released.status_code == 201
    mine.refresh_from_db()
    assert (mine.credit_hold, mine.credit_hold_exempt_until) == (False, date(2099, 1, 1))


# --- Demo ----------------------------------------------------------------------------------------


def test_demo_book_has_hold_rules_paper_customers_a_goal_and_its_first_holds(settings):
    import io

    from django.core.management import call_command

    from team.models import EDeliveryGoal

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", customers=120, seed=7, as_of=date(2026, 11, 23), stdout=io.StringIO())

    customers = Customer.objects.count()
    paper = Customer.objects.filter(e_delivery=False).count()
    assert 0.15 * customers <= paper <= 0.25 * customers
    assert CreditHoldRule.objects.filter(active=True).count() == 2
    assert CreditHoldRule.objects.filter(kind=CreditHoldRule.Kind.OVER_CREDIT_LIMIT, active=False).exists()
    goal = EDeliveryGoal.objects.get()
    assert goal.team is None and goal.target_share - goal.baseline_share == Decimal("0.2000")
    held = Customer.objects.filter(credit_hold=True).count()
    assert held == CreditHoldEvent.objects.filter(source="rule").count() > 0
    assert QueueTask.objects.filter(kind=QueueTask.Kind.CREDIT_HOLD).count() == held
