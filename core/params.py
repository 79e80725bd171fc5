"""Query-string parameters of report and team pages, read within a sane range.

A page reads `?as_of=`, `?window_days=`, `?month=` or `?week=` with these functions: each returns a
`Param` holding the value (the default when the text is blank or refused) and the message to show
beside the filters when it was refused, so a bad parameter is never silently replaced by today's
figures, and an extreme date never reaches a computation that cannot handle it (`date.min - 1 day`).
`date_range_error` is the same check for a value a form already parsed.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from django.utils import timezone

T = TypeVar("T")

EARLIEST = date(2000, 1, 1)  # no book this workbench reads starts earlier; far-off dates are typos
FUTURE_YEARS = 5  # how far ahead a horizon or a plan may look


@dataclass(frozen=True)
class Param(Generic[T]):
    value: T
    error: str = ""

    def __bool__(self) -> bool:
        return not self.error


def latest_future(today: date) -> date:
    """The last day a forward-looking parameter (a forecast horizon) may name."""
    return today.replace(year=today.year + FUTURE_YEARS, day=min(today.day, 28) if today.month == 2 else today.day)


def date_range_error(value: date, *, earliest: date = EARLIEST, latest: date | None = None,
                     label: str = "The date") -> str:
    """The message for a date outside earliest..latest (latest None: today), or "" when it is within."""
    today = timezone.localdate()
    if value < earliest:
        return f"{label} must be on or after {earliest:%Y-%m-%d}."
    if latest is None and value > today:
        return f"{label} must be today ({today:%Y-%m-%d}) or earlier: there are no figures for a day to come."
    if latest is not None and value > latest:
        return f"{label} must be on or before {latest:%Y-%m-%d}."
    return ""


def date_param(text: str | None, *, default: T, latest: date | None = None, earliest: date = EARLIEST,
               label: str = "The date") -> "Param[date | T]":
    """A YYYY-MM-DD date within earliest..latest; blank gives the default."""
    text = (text or "").strip()
    if not text:
        return Param(default)
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return Param(default, f"{label} {text!r} is not a date: use YYYY-MM-DD.")
    error = date_range_error(value, earliest=earliest, latest=latest, label=label)
    return Param(default, error) if error else Param(value)


def month_param(text: str | None, *, default: T, latest: date | None = None, earliest: date = EARLIEST,
                label: str = "The month") -> "Param[date | T]":
    """A YYYY-MM month (YYYY-MM-DD is read as its month), as its first day, within earliest..latest."""
    text = (text or "").strip()
    if not text:
        return Param(default)
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            value = datetime.strptime(text, fmt).date().replace(day=1)
            break
        except ValueError:
            continue
    else:
        return Param(default, f"{label} {text!r} is not a month: use YYYY-MM.")
    last = latest or timezone.localdate()
    if value < earliest.replace(day=1) or value > last:
        return Param(default, f"{label} must be between {earliest:%Y-%m} and {last:%Y-%m}.")
    return Param(value)


def week_param(text: str | None, *, default: T, latest: date | None = None, earliest: date = EARLIEST,
               label: str = "The week") -> "Param[date | T]":
    """Any day of a week (YYYY-MM-DD), as that week's Monday, within earliest..latest."""
    day = date_param(text, default=None, latest=latest, earliest=earliest, label=label)
    if day.error:
        return Param(default, day.error)
    if day.value is None:
        return Param(default)
    return Param(day.value - timedelta(days=day.value.weekday()))


def int_param(text: str | None, *, default: T, low: int, high: int, label: str = "The number") -> "Param[int | T]":
    """A whole number within low..high; blank gives the default."""
    text = (text or "").strip()
    if not text:
        return Param(default)
    try:
        value = int(text)
    except ValueError:
        return Param(default, f"{label} {text!r} is not a whole number.")
    if not low <= value <= high:
        return Param(default, f"{label} must be between {low} and {high}.")
    return Param(value)
