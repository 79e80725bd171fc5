"""The workspace's autopay panel: state, method, next charge, last failure; collectors of the
account and managers pause (with a reason) and resume it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from autopay import tasks
from autopay.models import AutopayCharge, Mandate
from tests.autopay.conftest import CARD_NO_FUNDS, customer_with_invoices, enrol
from tests.factories import PortfolioFactory, collector, manager

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _on(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def alice():
    return collector("alice")


@pytest.fixture
def account(alice):
    return customer_with_invoices(10, 20, portfolio=PortfolioFactory(collector=alice))


def test_the_panel_shows_state_method_next_charge_and_last_failure(client, alice, account, commit):
    client.force_login(alice)
    assert "No autopay." in client.get(reverse("account", args=[account.pk])).content.decode()

    enrol(account, commit, number=CARD_NO_FUNDS)
    with commit():
        tasks.autopay_run.delay(_on(10).isoformat())
    page = client.get(reverse("account", args=[account.pk])).content.decode()
    panel = page[page.index('id="autopay"'):page.index('id="portal"')]
    assert "Visa •••• 9995" in panel and "on each invoice&#x27;s due date" in panel
    assert f"on <strong>{date_format(_on(20))}</strong>" in panel  # the next charge: the second invoice
    assert "Last failure" in panel and "insufficient funds" in panel
    assert 'action="' + reverse("account_autopay_pause", args=[account.pk]) + '"' in panel


def test_a_collector_pauses_with_a_reason_and_resumes_in_place(client, alice, account, commit):
    mandate = enrol(account, commit)
    client.force_login(alice)
    url = reverse("account_autopay_pause", args=[account.pk])

    refused = client.post(url, {"reason": "  "}, headers=HX)
    assert refused.status_code == 400 and "Say why autopay is paused" in refused.content.decode()
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACTIVE

    paused = client.post(url, {"reason": "customer disputes the March delivery"}, headers=HX)
    html = paused.content.decode()
    assert paused.status_code == 200 and html.lstrip().startswith("<section") and 'id="autopay"' in html
    assert "Autopay paused" in html and "customer disputes the March delivery" in html
    assert paused["HX-Trigger"] == "timeline-changed"
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.PAUSED and mandate.paused_by == alice
    assert not AutopayCharge.objects.exclude(status=AutopayCharge.Status.SKIPPED).exists()
    assert account.activities.filter(subject="Autopay paused").exists()

    resumed = client.post(reverse("account_autopay_resume", args=[account.pk]), headers=HX)
    assert resumed.status_code == 200 and "Autopay resumed" in resumed.content.decode()
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACTIVE
    assert AutopayCharge.objects.filter(status=AutopayCharge.Status.SCHEDULED).count() == 2


def test_without_javascript_the_pause_redirects_and_a_refusal_shows_the_page(client, alice, account, commit):
    enrol(account, commit)
    client.force_login(alice)
    url = reverse("account_autopay_pause", args=[account.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "<html" in refused.content.decode()
    assert "Say why autopay is paused" in refused.content.decode()
    done = client.post(url, {"reason": "on hold"})
    assert done.status_code == 302 and done["Location"].endswith("#autopay")


def test_pausing_an_account_without_autopay_says_so(client, alice, account):
    client.force_login(alice)
    response = client.post(reverse("account_autopay_pause", args=[account.pk]), {"reason": "x"}, headers=HX)
    assert response.status_code == 400 and "has no autopay to pause" in response.content.decode()


def test_another_collectors_account_cannot_be_paused(client, account, commit):
    mandate = enrol(account, commit)
    client.force_login(collector("bob"))
    response = client.post(reverse("account_autopay_pause", args=[account.pk]), {"reason": "mine now"})
    assert response.status_code in (403, 404)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACTIVE


def test_a_manager_of_the_team_pauses(client, account, commit):
    from portfolios.models import CollectorProfile, Team

    mandate = enrol(account, commit)
    boss = manager("boss")
    team = Team.objects.create(name="T", manager=boss)
    CollectorProfile.objects.update_or_create(user=account.portfolio.collector, defaults={"team": team})
    account.portfolio.team = team
    account.portfolio.save()
    client.force_login(boss)
    assert client.post(reverse("account_autopay_pause", args=[account.pk]), {"reason": "review"}).status_code == 302
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.PAUSED


def test_the_panel_alone_answers_htmx(client, alice, account, commit):
    enrol(account, commit)
    client.force_login(alice)
    fragment = client.get(reverse("account_autopay", args=[account.pk]), headers=HX).content.decode()
    assert 'id="autopay"' in fragment and "<html" not in fragment
    page = client.get(reverse("account_autopay", args=[account.pk])).content.decode()
    assert "<html" in page and 'id="autopay"' in page


def test_the_panel_costs_the_workspace_a_fixed_number_of_queries(client, alice, commit, django_assert_max_num_queries):
    small = customer_with_invoices(10, portfolio=PortfolioFactory(collector=alice))
    large = customer_with_invoices(*range(5, 65), portfolio=small.portfolio)
    enrol(small, commit)
    enrol(large, commit)
    client.force_login(alice)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("account", args=[small.pk]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("account", args=[large.pk]))
    assert "(+59 more planned)" in response.content.decode()
