"""Send windows: automatic mail reaches a customer only inside the company's sending window, in
the recipient's time zone, on a working day of the recipient's country.

The window is settings `SEND_WINDOW_DAYS` (weekday names, default Monday to Friday),
`SEND_WINDOW_START` / `SEND_WINDOW_END` (local wall-clock "HH:MM", default 08:00–17:00) and
`SEND_WINDOW_ENABLED` (off: every moment is inside). The zone is the customer's `time_zone`, else
the main zone of its `country`, else settings.TIME_ZONE. Public holidays come from the `holidays`
package for the customer's country (else `SEND_WINDOW_COUNTRY`, the company's own, if set).

`window_next(customer, at)` is the one rule: `at` itself when it is inside the window, else the
next opening. The outbox stores it as the row's `not_before` and checks it again at send time.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from ledger.models import Customer

# The country's main zone (its capital's, or where most of its business is): enough to send in
# office hours when a customer has no zone of its own. Countries with several zones get the one
# most of their companies are in; set Customer.time_zone for the others.
COUNTRY_ZONES = {
    "AE": "Asia/Dubai", "AR": "America/Argentina/Buenos_Aires", "AT": "Europe/Vienna", "AU": "Australia/Sydney",
    "BE": "Europe/Brussels", "BG": "Europe/Sofia", "BR": "America/Sao_Paulo", "CA": "America/Toronto",
    "CH": "Europe/Zurich", "CL": "America/Santiago", "CN": "Asia/Shanghai", "CO": "America/Bogota",
    "CZ": "Europe/Prague", "DE": "Europe/Berlin", "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn",
    "ES": "Europe/Madrid", "FI": "Europe/Helsinki", "FR": "Europe/Paris", "GB": "Europe/London",
    "GR": "Europe/Athens", "HK": "Asia/Hong_Kong", "HR": "Europe/Zagreb", "HU": "Europe/Budapest",
    "ID": "Asia/Jakarta", "IE": "Europe/Dublin", "IL": "Asia/Jerusalem", "IN": "Asia/Kolkata",
    "IS": "Atlantic/Reykjavik", "IT": "Europe/Rome", "JP": "Asia/Tokyo", "KR": "Asia/Seoul",
    "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg", "LV": "Europe/Riga", "MA": "Africa/Casablanca",
    "MX": "America/Mexico_City", "MY": "Asia/Kuala_Lumpur", "NG": "Africa/Lagos", "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo", "NZ": "Pacific/Auckland", "PE": "America/Lima", "PH": "Asia/Manila",
    "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest", "RS": "Europe/Belgrade",
    "SA": "Asia/Riyadh", "SE": "Europe/Stockholm", "SG": "Asia/Singapore", "SI": "Europe/Ljubljana",
    "SK": "Europe/Bratislava", "TH": "Asia/Bangkok", "TR": "Europe/Istanbul", "TW": "Asia/Taipei",
    "UA": "Europe/Kyiv", "US": "America/New_York", "VN": "Asia/Ho_Chi_Minh", "ZA": "Africa/Johannesburg",
}
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Far enough to cross any run of holidays and weekends; a window with no open day is a setting error.
SEARCH_DAYS = 60


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time


def _clock(value: str, name: str) -> time:
    try:
        hours, minutes = (int(part) for part in str(value).split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a wall-clock time such as 08:00, not {value!r}.") from None


def window() -> Window:
    """The company's sending window, from settings (checked: a bad value is a configuration error)."""
    names = getattr(settings, "SEND_WINDOW_DAYS", DAY_NAMES[:5])
    try:
        days = frozenset(DAY_NAMES.index(str(name).strip().lower()[:3]) for name in names if str(name).strip())
    except ValueError:
        raise ImproperlyConfigured(f"SEND_WINDOW_DAYS are weekday names (mon … sun), not {names!r}.") from None
    start = _clock(getattr(settings, "SEND_WINDOW_START", "08:00"), "SEND_WINDOW_START")
    end = _clock(getattr(settings, "SEND_WINDOW_END", "17:00"), "SEND_WINDOW_END")
    if not days or end <= start:
        raise ImproperlyConfigured("The sending window needs at least one day and SEND_WINDOW_START before "
                                   "SEND_WINDOW_END.")
    return Window(days=days, start=start, end=end)


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_for(customer: Customer) -> ZoneInfo:
    """The recipient's zone: the customer's own, else its country's main zone, else TIME_ZONE."""
    country = (customer.country or "").strip().upper()
    return (_zone((customer.time_zone or "").strip()) or _zone(COUNTRY_ZONES.get(country, ""))
            or ZoneInfo(settings.TIME_ZONE))


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:  # a country the package does not know: no holidays, not an error
        return frozenset()


def is_holiday(country: str, day: date) -> bool:
    return bool(country) and day in _holidays(country, day.year)


def holiday_country(customer: Customer) -> str:
    return (customer.country or "").strip().upper() or str(getattr(settings, "SEND_WINDOW_COUNTRY", "")).upper()


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The wall-clock time on that day; a time the DST change skips becomes the first one after."""
    moment = datetime.combine(day, at, tzinfo=zone)
    return moment.astimezone(UTC).astimezone(zone)


def window_next(customer: Customer, at: datetime | None = None) -> datetime:
    """`at` (default now) when it is inside the customer's window, else the next opening; UTC."""
    at = at or timezone.now()
    if not getattr(settings, "SEND_WINDOW_ENABLED", True):
        return at
    rule, zone, country = window(), zone_for(customer), holiday_country(customer)
    local = at.astimezone(zone)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in rule.days or is_holiday(country, day):
            continue
        opens, closes = _local(day, rule.start, zone), _local(day, rule.end, zone)
        if at < opens:
            return opens.astimezone(UTC)
        if at < closes:
            return at
    raise ImproperlyConfigured(f"No sending day in the next {SEARCH_DAYS} days for {country or zone}: check "
                               "SEND_WINDOW_DAYS.")


def in_window(customer: Customer, at: datetime | None = None) -> bool:
    at = at or timezone.now()
    return window_next(customer, at) <= at
