"""On which day an invoice is collected: the rule, apart from the database.

The customer chose either each invoice's due date or a day of the month (1–28, so every month
has it). A charge is never made before the invoice is due, never sooner than the announcement
period allows (`earliest`), and never on a day whose announcement already went out (`taken`):
that email named what would be collected, and an invoice added after it would be a surprise.
"""

from collections.abc import Collection
from datetime import date, timedelta


def day_of_month_on_or_after(day: date, charge_on: int) -> date:
    """The first `charge_on`-th of a month on or after `day`."""
    candidate = day.replace(day=charge_on)
    if candidate >= day:
        return candidate
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, charge_on)


def charge_date(*, due: date, charge_on: int | None, earliest: date, taken: Collection[date] = ()) -> date:
    """The day to collect an invoice due on `due`."""
    start = max(due, earliest)
    if charge_on is None:
        day = start
        while day in taken:
            day += timedelta(days=1)
        return day
    day = day_of_month_on_or_after(start, charge_on)
    while day in taken:
        day = day_of_month_on_or_after(day + timedelta(days=1), charge_on)
    return day
