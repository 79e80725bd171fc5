"""core.params: a query-string value within a sane range, or the default and a message."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.params import date_param, date_range_error, int_param, latest_future, month_param, week_param

TODAY = timezone.localdate()


@pytest.mark.parametrize("text, message", [
    ("2026-02-30", "is not a date"),
    ("abc", "is not a date"),
    ("0001-01-01", "on or after 2000-01-01"),
    ("9999-12-31", "there are no figures for a day to come"),
])
def test_a_refused_date_gives_the_default_and_says_why(text, message):
    param = date_param(text, default=TODAY, label="As of")
    assert param.value == TODAY and message in param.error and not param


def test_a_good_date_blank_and_today_pass():
    assert date_param("2026-01-15", default=None).value == date(2026, 1, 15)
    assert date_param("", default=TODAY) and date_param("", default=TODAY).value == TODAY
    assert date_param(TODAY.isoformat(), default=None).value == TODAY


def test_a_later_bound_can_be_given():
    assert date_param("2030-01-01", default=None, latest=date(2040, 1, 1)).value == date(2030, 1, 1)
    assert "on or before 2040-01-01" in date_param("2041-01-01", default=None, latest=date(2040, 1, 1)).error
    assert latest_future(date(2024, 2, 29)) == date(2029, 2, 28)
    assert date_range_error(TODAY + timedelta(days=1)) != ""


@pytest.mark.parametrize("text, value, refused", [
    ("2026-05", date(2026, 5, 1), False), ("2026-05-17", date(2026, 5, 1), False),
    ("0001-01", None, True), ("9999-12", None, True), ("2026-13", None, True), ("may", None, True),
])
def test_month(text, value, refused):
    param = month_param(text, default=None)
    assert bool(param.error) is refused and (refused or param.value == value)


def test_week_is_its_monday_and_extreme_weeks_are_refused():
    assert week_param("2026-09-03", default=None).value == date(2026, 8, 31)
    assert week_param("9999-12-31", default=TODAY).value == TODAY
    assert week_param("9999-12-31", default=TODAY).error
    assert week_param("0001-01-01", default=TODAY).error


@pytest.mark.parametrize("text, value, refused", [
    ("90", 90, False), ("", 90, False), ("-5", 90, True), ("0", 90, True), ("99999", 90, True), ("x", 90, True),
])
def test_whole_number_within_bounds(text, value, refused):
    param = int_param(text, default=90, low=1, high=730, label="The window")
    assert param.value == value and bool(param.error) is refused
