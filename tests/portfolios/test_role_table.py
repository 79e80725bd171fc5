"""The role table (portfolios.role_table) covers every URL, docs/roles.md is the table, and every
state-changing URL lets exactly the roles of its rule through: a collector on their own account and
on another's, a manager on their own team and on another team, the head of collections, finance,
an integration user and an anonymous visitor."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from portfolios.models import CollectorProfile, Portfolio, Role, Team
from portfolios.role_table import ACCOUNT, API, INTEGRATION, LINK, TABLE, TEAM, markdown, rule_for
from tests.factories import ContactFactory, CustomerFactory, PaymentPlanFactory, UserFactory, manager, past_due_invoice

DOC = Path(settings.BASE_DIR) / "docs" / "roles.md"


def _patterns(patterns, namespaces=(), prefix=""):
    """(view name, full route) of every URL outside the admin site."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin site: its own staff checks
            yield from _patterns(entry.url_patterns, (*namespaces, entry.namespace) if entry.namespace else namespaces,
                                 route)
        elif isinstance(entry, URLPattern):
            name = entry.name or f"{entry.callback.__module__}.{entry.callback.__name__}"
            yield ":".join((*namespaces, name)), route


def url_names() -> set[str]:
    return {name for name, _ in _patterns(get_resolver().url_patterns)}


def _route(name: str) -> str:
    return dict(_patterns(get_resolver().url_patterns))[name]


def _has_object(name: str) -> bool:
    """Does the URL name an object (an account, a collector, an item) that is someone's?"""
    route = _route(name)
    names_one = any(kwarg in route for kwarg in ("<int:", "<str:", "(?P<pk>"))
    return names_one and TABLE[name].scope in (ACCOUNT, TEAM)


def test_every_url_has_a_rule_and_every_rule_a_url():
    names = url_names()
    assert sorted(names - set(TABLE)) == [], "URLs without a rule: add them to portfolios/role_table.py"
    assert sorted(set(TABLE) - names) == [], "rules for URLs that no longer exist"


def test_docs_roles_md_is_the_role_table():
    assert DOC.read_text() == markdown(), "run: python manage.py role_table > docs/roles.md"


def test_the_portal_is_its_own_boundary_and_finance_never_changes_a_page():
    for name in url_names():
        rule = rule_for(name)
        if name.startswith("portal_"):
            assert rule.kind == LINK, name
        if rule.signed_in:
            assert Role.FINANCE not in rule.change, name


# --- The matrix ----------------------------------------------------------------------------------------------

CASES = ["collector_own", "collector_other", "manager_own", "manager_other", "head", "finance", "integration",
         "anonymous"]


def _side(team_name: str, boss):
    collector = UserFactory(username=f"col_{team_name}", roles=[Role.COLLECTOR])
    team = Team.objects.create(name=f"Team {team_name}", manager=boss)
    CollectorProfile.objects.create(user=collector, team=team)
    portfolio = Portfolio.objects.create(name=f"P {team_name}", collector=collector, team=team)
    customer = CustomerFactory(portfolio=portfolio, name=f"Acct {team_name}")
    ContactFactory(customer=customer)
    return collector, portfolio, customer


def _objects(customer, collector, asker) -> dict:
    from reminders.models import ChargeProposal
    from team.models import HelpRequest
    from work.corrections.services import correction_request
    from work.models import Dispute
    from work.queue.models import QueueEntry

    late = past_due_invoice(customer, "9000.00", days=45)
    plan = PaymentPlanFactory(customer=customer, by=collector)
    return {
        "customer": customer, "collector": collector,
        "plan": plan,
        "correction": correction_request(customer=customer, kind="write_off", invoice=late, amount="8000.00",
                                         reason="insolvent", by=asker),
        "entry": QueueEntry.objects.create(day=timezone.localdate(), customer=customer, collector=collector,
                                           next_action="Call"),
        "dispute": Dispute.objects.create(customer=customer, amount=Decimal("10.00"), root_cause="pricing",
                                          owner="billing", opened_on=timezone.localdate() - timedelta(days=3)),
        "help": HelpRequest.objects.create(customer=customer, raised_by=collector, message="Help"),
        "charge": ChargeProposal.objects.create(customer=customer, invoice=late, kind="fee", amount=Decimal("40.00"),
                                                currency="USD", key=f"fee-{customer.pk}"),
    }


@pytest.fixture(scope="module")
def book(django_db_setup, django_db_blocker):
    """Two teams, A and B, each with a manager, a collector, an account and its work; the head of
    collections, finance and an integration user. Built once for the module, rolled back after it."""
    from reminders.models import DunningPolicy, DunningStep, MessageTemplate
    from work.holds.models import CreditHoldRule

    with django_db_blocker.unblock(), transaction.atomic():
        boss_a, boss_b = manager("boss_a"), manager("boss_b")
        asker = manager("asker")
        col_a, _, cust_a = _side("a", boss_a)
        col_b, _, cust_b = _side("b", boss_b)
        integration = UserFactory(username="erp")
        integration.groups.add(Group.objects.get_or_create(name=INTEGRATION)[0])
        template = MessageTemplate.objects.create(name="Role table", subject="Hi", body="Hello")
        policy = DunningPolicy.objects.create(name="Role table policy")
        data = {
            "users": {"collector": col_a, "manager": boss_a, "head": UserFactory(username="head",
                                                                                  roles=[Role.HEAD]),
                      "finance": UserFactory(username="fin", roles=[Role.FINANCE]), "integration": integration},
            "own": _objects(cust_a, col_a, asker), "other": _objects(cust_b, col_b, asker),
            "rule": CreditHoldRule.objects.create(name="Role table", kind="days_past_due", days_past_due=90),
            "policy": policy, "template": template,
            "step": DunningStep.objects.create(policy=policy, offset_days=3, name="Step", action="email",
                                               template=template),
        }
        yield data
        transaction.set_rollback(True)


def _kwargs(name: str, side: dict, book: dict) -> dict:
    customer = side["customer"].pk
    by_name = {
        "plan_renegotiate": {"pk": customer, "plan_id": side["plan"].pk},
        "plan_cancel": {"pk": customer, "plan_id": side["plan"].pk},
        "correction_approve": {"pk": customer, "correction_id": side["correction"].pk},
        "correction_reject": {"pk": customer, "correction_id": side["correction"].pk},
        "dispute_update": {"pk": side["dispute"].pk},
        "dispute_resolve": {"pk": side["dispute"].pk},
        "team_help_resolve": {"pk": side["help"].pk},
        "one_on_one": {"username": side["collector"].username},
        "charge_approve": {"pk": side["charge"].pk},
        "charge_waive": {"pk": side["charge"].pk},
        "charge_waiver_approve": {"pk": side["charge"].pk},
        "charge_waiver_reject": {"pk": side["charge"].pk},
        "hold_rule": {"pk": book["rule"].pk},
        "dunning_policy": {"pk": book["policy"].pk},
        "dunning_step_new": {"policy_pk": book["policy"].pk},
        "dunning_step": {"policy_pk": book["policy"].pk, "pk": book["step"].pk},
        "dunning_step_delete": {"pk": book["step"].pk},
        "dunning_template": {"pk": book["template"].pk},
        "dunning_template_delete": {"pk": book["template"].pk},
        # --- payments ---
        # --- end payments ---
        # --- autopay ---
        # --- end autopay ---
        # --- cashapp ---
        **__import__("tests.cashapp.receipts", fromlist=["role_table_kwargs"]).role_table_kwargs(side),
        # --- end cashapp ---
        # --- html ---
        "dunning_template_preview_html": {"pk": book["template"].pk},
        # --- end html ---
        # --- windows ---
        # --- end windows ---
        # --- ingest ---
        # --- end ingest ---
        # --- reply ---
        **__import__("tests.inbox.role_table", fromlist=["role_table_kwargs"]).role_table_kwargs(side),
        # --- end reply ---
        # --- mapping ---
        **__import__("tests.erp.role_table", fromlist=["role_table_kwargs"]).role_table_kwargs(side),
        # --- end mapping ---
        # --- family ---
        # --- end family ---
        # --- dupes ---
        **__import__("tests.work.discrepancy_book", fromlist=["role_table_kwargs"]).role_table_kwargs(side),
        # --- end dupes ---
        # --- forecast ---
        # --- end forecast ---
    }
    if name in by_name:
        return by_name[name]
    if name.startswith("queue_item"):
        return {"pk": side["entry"].pk}
    return {"pk": customer} if "<int:pk>" in _route(name) else {}


def _changing() -> list[tuple[str, str]]:
    params = []
    for name, rule in TABLE.items():
        if not (rule.signed_in and rule.change):
            continue
        params += [(name, case) for case in CASES if _has_object(name) or not case.endswith("_other")]
    return params


def _expected(rule, case: str, has_object: bool) -> bool:
    role = {"collector_own": Role.COLLECTOR, "collector_other": Role.COLLECTOR, "manager_own": Role.MANAGER,
            "manager_other": Role.MANAGER, "head": Role.MANAGER, "finance": Role.FINANCE,
            "integration": INTEGRATION}.get(case)
    if role is None or role not in rule.change:
        return False
    return not (case.endswith("_other") and has_object)


@pytest.mark.parametrize(("name", "case"), _changing())
def test_state_changing_url_lets_exactly_its_roles_through(client, db, book, name, case):
    rule = TABLE[name]
    side = book["other"] if case.endswith("_other") or case == "head" else book["own"]
    url = reverse(name, kwargs=_kwargs(name, side, book))
    user = book["users"].get(case.split("_")[0])
    if user is not None:
        client.force_login(user)

    response = client.post(url)

    refused = response.status_code in (401, 403, 404) or (
        response.status_code == 302 and response["Location"].startswith(reverse("login")))
    expected = _expected(rule, case, _has_object(name))
    assert response.status_code != 405, f"{name} takes no POST but its rule lists who may change it"
    assert response.status_code < 500
    if rule.kind == API and case == "anonymous":
        assert response.status_code in (401, 403)
    verdict = "allowed" if expected else "refused"
    assert refused != expected, f"{name} as {case}: {response.status_code} (expected {verdict})"
