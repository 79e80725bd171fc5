"""Send windows: automatic mail leaves only inside the company's window, in the recipient's time
zone (across DST changes), never on a weekend or a public holiday of its country."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from ledger.models import Customer
from reminders import outbox
from reminders.dunning import dunning_run
from reminders.models import DunningPolicy, InvoiceStepSent, OutboundMessage
from reminders.windows import in_window, window_next, zone_for
from tests.reminders.factories import account, invoice, policy


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _window(settings):
    settings.SEND_WINDOW_ENABLED = True
    settings.SEND_WINDOW_DAYS = ["mon", "tue", "wed", "thu", "fri"]
    settings.SEND_WINDOW_START, settings.SEND_WINDOW_END = "08:00", "17:00"
    settings.SEND_WINDOW_COUNTRY = ""
    settings.TIME_ZONE = "UTC"


def customer(time_zone="", country=""):
    return Customer(name="Acme", time_zone=time_zone, country=country)


NEW_YORK = customer(time_zone="America/New_York")


@pytest.mark.parametrize(("at", "expected"), [
    # Before the March change (EST, UTC-5): Friday 07:59 waits for 08:00; 16:59 goes; 17:00 waits…
    (utc(2026, 3, 6, 12, 59), utc(2026, 3, 6, 13, 0)),
    (utc(2026, 3, 6, 21, 59), utc(2026, 3, 6, 21, 59)),
    # …for Monday 08:00 EDT (UTC-4), after the clocks went forward on Sunday 8 March.
    (utc(2026, 3, 6, 22, 0), utc(2026, 3, 9, 12, 0)),
    (utc(2026, 3, 9, 11, 59), utc(2026, 3, 9, 12, 0)),
    (utc(2026, 3, 9, 20, 59), utc(2026, 3, 9, 20, 59)),
    (utc(2026, 3, 9, 21, 0), utc(2026, 3, 10, 12, 0)),
    # November: Friday 17:00 EDT waits for Monday 08:00 EST, the clocks went back on Sunday 1 November.
    (utc(2026, 10, 30, 21, 0), utc(2026, 11, 2, 13, 0)),
    (utc(2026, 11, 2, 12, 59), utc(2026, 11, 2, 13, 0)),
    (utc(2026, 11, 2, 21, 59), utc(2026, 11, 2, 21, 59)),
])
def test_new_york_window_edges_across_both_dst_changes(at, expected):
    assert window_next(NEW_YORK, at) == expected
    assert in_window(NEW_YORK, at) == (at == expected)


def test_paris_from_the_country_skips_bastille_day_christmas_and_the_weekend():
    paris = customer(country="FR")
    assert str(zone_for(paris)) == "Europe/Paris"
    # Tuesday 14 July 2026, 09:00 CEST: a holiday, so Wednesday 08:00 CEST (06:00 UTC).
    assert window_next(paris, utc(2026, 7, 14, 7, 0)) == utc(2026, 7, 15, 6, 0)
    # Thursday 24 December 17:30 CET: Friday 25 is Christmas, then the weekend: Monday 28, 08:00 CET.
    assert window_next(paris, utc(2026, 12, 24, 16, 30)) == utc(2026, 12, 28, 7, 0)
    # The October change (Sunday 25 October): Friday 17:00 CEST waits for Monday 08:00 CET.
    assert window_next(paris, utc(2026, 10, 23, 15, 0)) == utc(2026, 10, 26, 7, 0)
    # The same moments in a country without those holidays are working days.
    assert window_next(customer(time_zone="Europe/Paris", country="GB"), utc(2026, 7, 14, 7, 0)) == \
        utc(2026, 7, 14, 7, 0)


def test_tokyo_is_inside_while_europe_sleeps():
    tokyo = customer(country="JP")
    assert window_next(tokyo, utc(2026, 12, 1, 23, 30)) == utc(2026, 12, 1, 23, 30)  # Wednesday 08:30 JST
    assert window_next(tokyo, utc(2026, 12, 1, 8, 30)) == utc(2026, 12, 1, 23, 0)  # Tuesday 17:30 JST
    # Saturday 5 December 10:00 JST: Monday 08:00 JST.
    assert window_next(tokyo, utc(2026, 12, 5, 1, 0)) == utc(2026, 12, 6, 23, 0)


def test_the_zone_is_the_customers_then_the_countrys_then_time_zone(settings):
    assert str(zone_for(customer(time_zone="Asia/Tokyo", country="FR"))) == "Asia/Tokyo"
    assert str(zone_for(customer(time_zone="Not/AZone", country="DE"))) == "Europe/Berlin"
    settings.TIME_ZONE = "America/Chicago"
    assert str(zone_for(customer(country="ZZ"))) == "America/Chicago"


def test_the_company_country_gives_holidays_to_customers_without_one(settings):
    settings.SEND_WINDOW_COUNTRY = "FR"
    assert window_next(customer(time_zone="Europe/Paris"), utc(2026, 7, 14, 7, 0)) == utc(2026, 7, 15, 6, 0)


@pytest.mark.parametrize(("name", "value"), [("SEND_WINDOW_DAYS", ["someday"]), ("SEND_WINDOW_START", "8h"),
                                             ("SEND_WINDOW_END", "07:00"), ("SEND_WINDOW_DAYS", [])])
def test_a_bad_window_setting_is_a_configuration_error(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured):
        window_next(NEW_YORK, utc(2026, 3, 6, 12, 0))


def test_window_off_sends_at_any_time(settings):
    settings.SEND_WINDOW_ENABLED = False
    assert window_next(NEW_YORK, utc(2026, 3, 7, 3, 0)) == utc(2026, 3, 7, 3, 0)


# The outbox: a reminder made outside the window waits; the sweep sends it once, inside.

D = date(2026, 3, 6)  # a Friday


@pytest.fixture
def ny_reminder(db):
    DunningPolicy.objects.all().delete()
    policy(name="Standard", is_default=True)
    c = account(time_zone="America/New_York")
    invoice(c, due=D - timedelta(days=4))
    return c


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.mark.django_db
def test_a_reminder_made_after_hours_waits_for_the_next_window_and_is_sent_once(ny_reminder,
                                                                             django_capture_on_commit_callbacks):
    with at(utc(2026, 3, 6, 23, 0)), django_capture_on_commit_callbacks(execute=True):  # Friday 18:00 EST
        dunning_run(as_of=D)
    message = OutboundMessage.objects.get(customer=ny_reminder)
    assert message.not_before == utc(2026, 3, 9, 12, 0)  # Monday 08:00 EDT
    assert message.status == "queued" and message.dispatched_at is None and mail.outbox == []
    for moment in (utc(2026, 3, 7, 15, 0), utc(2026, 3, 9, 11, 59)):  # Saturday; Monday 07:59
        with at(moment):
            assert outbox.outbox_recover()["dispatched"] == 0
            assert outbox.message_send(message_id=message.pk) is None  # a task handed out early
    assert mail.outbox == []
    with at(utc(2026, 3, 9, 12, 1)):
        assert outbox.outbox_recover()["dispatched"] == 1
    with at(utc(2026, 3, 9, 12, 30)):
        outbox.outbox_recover()
    with at(utc(2026, 3, 9, 13, 30)):
        outbox.outbox_recover()
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_row_whose_window_closed_while_it_waited_is_left_queued_for_the_next_one(ny_reminder):
    with at(utc(2026, 3, 6, 15, 0)):  # Friday 10:00 EST: inside, but the workers are down
        dunning_run(as_of=D)
    message = OutboundMessage.objects.get(customer=ny_reminder)
    assert message.not_before == utc(2026, 3, 6, 15, 0)
    with at(utc(2026, 3, 7, 15, 0)):  # the workers are back on Saturday
        outbox.outbox_recover()
        assert outbox.message_send(message_id=message.pk) is None
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 0 and mail.outbox == []
    assert message.not_before == utc(2026, 3, 9, 12, 0)
    with at(utc(2026, 3, 9, 12, 0)):
        outbox.outbox_recover()
    message.refresh_from_db()
    assert message.status == "sent" and len(mail.outbox) == 1


@pytest.mark.django_db
def test_catch_up_after_downtime_sends_each_step_once_in_the_next_window(ny_reminder):
    """The beat was down from Friday to Sunday: the passes it missed run on Sunday night, the steps
    due meanwhile are recorded once and their one reminder leaves on Monday at 08:00."""
    with at(utc(2026, 3, 9, 2, 0)):  # Sunday 22:00 EDT
        for day in (D, D + timedelta(days=1), D + timedelta(days=2)):  # Friday to Sunday, caught up
            dunning_run(as_of=day)
        outbox.outbox_recover()
    assert mail.outbox == []
    assert OutboundMessage.objects.filter(customer=ny_reminder).count() == 1
    with at(utc(2026, 3, 9, 12, 0)):
        dunning_run(as_of=D + timedelta(days=3))  # Monday's own pass: nothing new is due
        outbox.outbox_recover()
        outbox.outbox_recover()
    assert len(mail.outbox) == 1
    assert InvoiceStepSent.objects.filter(invoice__customer=ny_reminder, outcome="sent").count() == 1


@pytest.mark.django_db
def test_a_collectors_own_email_is_not_held_by_the_window(ny_reminder, django_capture_on_commit_callbacks):
    contact = ny_reminder.contacts.get()
    with at(utc(2026, 3, 7, 3, 0)), django_capture_on_commit_callbacks(execute=True):  # Friday 22:00 EST
        message, _ = outbox.message_queue(customer=ny_reminder, kind=OutboundMessage.Kind.MANUAL, key="manual:1",
                                          contact=contact, subject="Hello", body="A word from your collector")
    message.refresh_from_db()
    assert message.not_before is None and message.status == "sent"
