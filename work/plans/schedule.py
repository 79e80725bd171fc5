"""A plan's schedule before it exists: dates every week, fortnight or month from the first payment
date, and the total split into equal installments.

Equal split rule: every installment is the total divided by the count, rounded DOWN to the cent;
the cents left over go on the LAST installment, so the schedule always sums exactly to the total
and the customer never pays more up front than later (1,000.00 in 3 → 333.33, 333.33, 333.34).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta

from core.money import CENT


class Interval:
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    CHOICES = [(MONTHLY, "Monthly"), (FORTNIGHTLY, "Every two weeks"), (WEEKLY, "Weekly")]


@dataclass(frozen=True)
class Planned:
    """One installment of a schedule that is not saved yet."""

    number: int
    due_on: date
    amount: Decimal


def installment_dates(*, first_due: date, count: int, interval: str) -> list[date]:
    """Monthly dates keep the first date's day of month (the 31st becomes the month's last day)."""
    if interval == Interval.MONTHLY:
        return [first_due + relativedelta(months=n) for n in range(count)]
    step = 7 if interval == Interval.WEEKLY else 14
    return [first_due + timedelta(days=step * n) for n in range(count)]


def equal_amounts(total: Decimal, count: int) -> list[Decimal]:
    """`count` amounts summing exactly to `total`; the remainder cents on the last one."""
    if count < 1:
        raise ValueError("A plan has at least one installment.")
    share = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    return [share] * (count - 1) + [total - share * (count - 1)]


def equal_schedule(*, total: Decimal, count: int, first_due: date, interval: str) -> list[Planned]:
    dates = installment_dates(first_due=first_due, count=count, interval=interval)
    return [Planned(n, due, amount) for n, (due, amount) in enumerate(zip(dates, equal_amounts(total, count),
                                                                            strict=True), start=1)]
