"""The portal link in an email is the one minted with the message: revoking the customer's links or
its expiry ends it, and a click never mints a new one."""

import importlib
import time
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.urls import reverse

from portal.links import DAY, DEFAULT_MAX_AGE_DAYS, portal_link_check
from portal.models import PortalAccess
from portal.services import portal_access_revoke
from reminders import rendering
from reminders.dunning import dunning_run
from reminders.models import DunningPolicy, OutboundMessage, TrackedLink
from reminders.outbox import message_send
from reminders.rendering import tracking_token
from tests.reminders.factories import account, invoice, policy
from work.models import Activity

pytestmark = pytest.mark.django_db
D = date(2026, 10, 20)


@pytest.fixture
def sent_message():
    DunningPolicy.objects.all().delete()
    policy(name="Standard", is_default=True)
    customer = account()
    invoice(customer, due=D - timedelta(days=4))
    dunning_run(as_of=D)
    message = OutboundMessage.objects.get()
    message_send(message_id=message.pk)
    message.refresh_from_db()
    return message


def click(client, message):
    return client.get(reverse("message_click", args=[tracking_token(message.key)]))


def test_two_clicks_go_to_the_same_portal_link_and_mint_none(client, sent_message):
    link = TrackedLink.objects.get(key=sent_message.key)
    accesses = PortalAccess.objects.count()
    first, second = click(client, sent_message), click(client, sent_message)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("portal_home", args=[link.portal_token])
    assert PortalAccess.objects.count() == accesses and TrackedLink.objects.count() == 1
    assert first["Referrer-Policy"] == "no-referrer" and "no-store" in first["Cache-Control"]
    assert client.get(first["Location"]).status_code == 200


def test_click_after_revoking_every_link_sent_so_far_answers_410(client, sent_message):
    portal_access_revoke(customer=sent_message.customer, reason="forwarded to the wrong person")
    response = click(client, sent_message)
    assert response.status_code == 410
    page = response.content.decode()
    assert "no longer active" in page and sent_message.customer.name not in page
    assert "/portal/" not in page
    # The collector sees the customer tried, once however often they click.
    click(client, sent_message)
    tried = Activity.objects.filter(customer=sent_message.customer, notes__contains="did not open")
    assert tried.count() == 1


def test_click_after_the_link_expired_answers_410(client, sent_message, monkeypatch):
    later = time.time() + (DEFAULT_MAX_AGE_DAYS + 1) * DAY
    monkeypatch.setattr("portal.links.time.time", lambda: later)
    response = click(client, sent_message)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert "Ask us for a new one" in response.content.decode()


def test_a_message_sent_before_links_were_kept_answers_410_and_mints_nothing(client, sent_message):
    TrackedLink.objects.all().delete()
    response = click(client, sent_message)
    assert response.status_code == 410 and "This link has expired" in response.content.decode()
    assert not TrackedLink.objects.exists()


def test_a_message_sent_after_revoking_carries_a_working_link(client, sent_message):
    portal_access_revoke(customer=sent_message.customer, reason="new AP clerk")
    ctx = rendering.context_for(customer=sent_message.customer, contact=sent_message.contact, lines=[],
                                key="manual:new")
    assert ctx["portal_link"].endswith(reverse("message_click", args=[tracking_token("manual:new")]))
    portal_link_check(TrackedLink.objects.get(key="manual:new").portal_token)  # does not raise


def test_rendering_a_message_again_keeps_its_portal_link(sent_message):
    before = TrackedLink.objects.get(key=sent_message.key).portal_token
    rendering.context_for(customer=sent_message.customer, contact=sent_message.contact, lines=[],
                          key=sent_message.key)
    assert list(TrackedLink.objects.values_list("portal_token", flat=True)) == [before]


def test_migration_gives_unsent_messages_a_link_and_sent_ones_none():
    customer = account()
    queued = OutboundMessage.objects.create(customer=customer, kind="manual", key="queued", to_email="a@b.test",
                                            subject="s", body="b")
    OutboundMessage.objects.create(customer=customer, kind="manual", key="sent", to_email="a@b.test",
                                   subject="s", body="b", status="sent")
    migration = importlib.import_module("reminders.migrations.0007_tracked_links")
    migration.links_for_unsent_messages(apps, None)
    link = TrackedLink.objects.get()
    assert link.key == queued.key
    assert portal_link_check(link.portal_token).customer == customer
