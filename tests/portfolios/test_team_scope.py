"""Several teams: a manager sees and changes the accounts, collectors, one-on-ones, holds and help
flags of the teams they manage (and whatever is on no team); another team's are not theirs. The
head of collections manages every team."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from ledger.models import Customer
from ledger.selectors import visible_customers
from portfolios.access import collector_rows
from portfolios.models import CollectorProfile, Portfolio, Role, Team
from team.models import HelpRequest, OneOnOne
from team.selectors import collectors_managed_by, collectors_visible_to
from tests.factories import CustomerFactory, UserFactory, collector, manager
from work.holds import services as holds
from work.holds.models import CreditHoldEvent
from work.queue.forms import ReassignItemForm

pytestmark = pytest.mark.django_db


def team_of(name: str):
    """A team with its manager, one collector on it, their portfolio and one account."""
    boss = manager(f"boss_{name}")
    team = Team.objects.create(name=name, manager=boss)
    person = collector(f"col_{name}")
    CollectorProfile.objects.filter(user=person).update(team=team)
    portfolio = Portfolio.objects.create(name=f"{name} book", collector=person, team=team)
    return boss, person, portfolio, CustomerFactory(portfolio=portfolio, name=f"{name} account")


@pytest.fixture
def teams():
    north, south = team_of("North"), team_of("South")
    return {"north": north, "south": south}


def test_a_manager_sees_only_their_teams_accounts_and_the_shared_ones(client, teams):
    boss, _, _, mine = teams["north"]
    theirs = teams["south"][3]
    shared = CustomerFactory(portfolio=Portfolio.objects.create(name="No team", collector=collector("loner")))
    unassigned = CustomerFactory()

    assert set(visible_customers(boss)) == {mine, shared, unassigned}
    client.force_login(boss)
    assert client.get(reverse("account", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("account", args=[mine.pk])).status_code == 200
    assert theirs.name not in client.get(reverse("accounts")).content.decode()


def test_an_accounts_team_is_its_collectors_when_the_portfolio_has_none(teams):
    boss, person, _, _ = teams["north"]
    loose = CustomerFactory(portfolio=Portfolio.objects.create(name="Loose", collector=person))

    assert loose in visible_customers(boss)
    assert loose not in visible_customers(teams["south"][0])


def test_the_head_of_collections_sees_every_team(teams):
    head = UserFactory(username="head", roles=[Role.HEAD])

    assert set(visible_customers(head)) == set(Customer.objects.all())
    assert set(collectors_visible_to(head)) == {teams["north"][1], teams["south"][1]}


def test_the_api_lists_only_the_managers_teams_accounts(client, teams):
    boss, _, _, mine = teams["north"]
    client.force_login(boss)

    ids = {row["id"] for row in client.get("/api/customers/").json()["results"]}

    assert mine.pk in ids and teams["south"][3].pk not in ids


def test_another_teams_manager_cannot_open_or_overwrite_a_one_on_one(client, teams):
    _, person, _, _ = teams["north"]
    intruder = teams["south"][0]
    url = reverse("one_on_one", args=[person.username])
    client.force_login(intruder)

    assert client.get(url).status_code == 403
    assert client.post(url, {"notes": "overwritten", "action_items": ""}).status_code == 403
    assert not OneOnOne.objects.exists()


def test_the_teams_own_manager_and_the_head_record_the_one_on_one(client, teams):
    boss, person, _, _ = teams["north"]
    url = reverse("one_on_one", args=[person.username])
    for user in (boss, UserFactory(username="head", roles=[Role.HEAD])):
        client.force_login(user)
        assert client.post(url, {"notes": f"by {user.username}", "action_items": ""}).status_code == 302
    assert OneOnOne.objects.get(collector=person).notes == "by head"


def test_another_teams_manager_cannot_release_a_hold(client, teams):
    account = teams["north"][3]
    holds.credit_hold_place(customer=account, reason="over limit", by=teams["north"][0])
    client.force_login(teams["south"][0])

    response = client.post(reverse("account_credit_release", args=[account.pk]), {"reason": "mine now"})

    assert response.status_code == 404
    assert not CreditHoldEvent.objects.filter(customer=account, action=CreditHoldEvent.Action.RELEASE).exists()


def test_another_teams_manager_cannot_move_its_accounts_nor_move_into_its_portfolios(client, teams):
    boss, _, own_portfolio, mine = teams["north"]
    _, _, their_portfolio, theirs = teams["south"]
    client.force_login(boss)

    client.post(reverse("accounts_reassign"), {"customers": [theirs.pk], "portfolio": own_portfolio.pk,
                                               "reason": "grab", "confirm": "yes"})
    client.post(reverse("accounts_reassign"), {"customers": [mine.pk], "portfolio": their_portfolio.pk,
                                               "reason": "dump", "confirm": "yes"})

    assert Customer.objects.get(pk=theirs.pk).portfolio == their_portfolio
    assert Customer.objects.get(pk=mine.pk).portfolio == own_portfolio


def test_another_teams_manager_cannot_resolve_its_help_flags(client, teams):
    _, person, _, account = teams["north"]
    flag = HelpRequest.objects.create(customer=account, raised_by=person, message="Stuck")
    client.force_login(teams["south"][0])

    assert client.post(reverse("team_help_resolve", args=[flag.pk]), {"resolution": "x"}).status_code == 404
    assert HelpRequest.objects.get(pk=flag.pk).status == HelpRequest.Status.OPEN
    assert "Stuck" not in client.get(reverse("team_help")).content.decode()


def test_another_teams_manager_cannot_set_its_collectors_target(client, teams):
    from team.models import MonthlyTarget

    person = teams["north"][1]
    client.force_login(teams["south"][0])

    client.post(reverse("team_targets"), {"collector": person.pk, "month": timezone.localdate().strftime("%Y-%m"),
                                          "amount": "1000.00"})

    assert not MonthlyTarget.objects.exists()


def test_team_pages_and_the_queue_show_only_the_managers_collectors(client, teams):
    boss, person, _, _ = teams["north"]
    other = teams["south"][1]

    assert list(collectors_visible_to(boss)) == [person]
    client.force_login(boss)
    assert client.get(reverse("queue_of", args=[other.username])).status_code == 404
    assert client.get(reverse("queue_of", args=[person.username])).status_code == 200


def test_a_manager_of_no_team_gets_no_digest_of_another_teams_collectors(teams):
    loner = collector("loner")
    spare = manager("spare")

    assert list(collectors_managed_by(spare)) == [loner]
    assert set(get_user_model().objects.filter(collector_rows(spare), groups__name=Role.COLLECTOR)) == {loner}


def test_the_queue_panels_reassign_list_offers_only_the_managers_portfolios(teams):
    boss, _, north_book, _ = teams["north"]
    south_book = teams["south"][2]
    offered = set(ReassignItemForm(user=boss).fields["portfolio"].queryset)
    assert north_book in offered and south_book not in offered
    head = UserFactory(username="head_of_all", roles=[Role.HEAD])
    assert {north_book, south_book} <= set(ReassignItemForm(user=head).fields["portfolio"].queryset)
