"""Foreign exchange: amounts in the base currency at the rate of a date.

The rate of a currency on a day is the latest rate on or before it, else the first one after it
(METRICS.md). `rate_expression` computes it in the database for every row of a query;
`to_base` multiplies a frame's amounts by the rates that query fetched.
"""

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.db.models import Case, DecimalField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from ledger.models import FxRate

RATE_FIELD: DecimalField = DecimalField(max_digits=18, decimal_places=8)


class MissingFxRate(LookupError):
    """A document is in a currency that has no rate at all in the FX table."""


def rate_expression(currency: str = "currency", on: str | date = "issue_date") -> Case:
    """Base units per one unit of the row's currency at `on`: the row's own date field (the
    document's date), or one date for every row. The latest rate on or before it, else the first after."""
    day = on if isinstance(on, date) else OuterRef(on)
    before = FxRate.objects.filter(currency=OuterRef(currency), rate_date__lte=day).order_by("-rate_date")
    after = FxRate.objects.filter(currency=OuterRef(currency), rate_date__gt=day).order_by("rate_date")
    return Case(
        When(**{currency: settings.BASE_CURRENCY}, then=Value(Decimal("1"), output_field=RATE_FIELD)),
        default=Coalesce(
            Subquery(before.values("rate")[:1], output_field=RATE_FIELD),
            Subquery(after.values("rate")[:1], output_field=RATE_FIELD),
        ),
        output_field=RATE_FIELD,
    )


def rates_on(pairs: Iterable[tuple[str, date]]) -> dict[tuple[str, date], Decimal | None]:
    """The rate of each (currency, day) exactly as `rate_expression` finds it in the database (the
    latest on or before the day, else the first after; 1 for the base currency; None without any
    rate), from one query over the currencies' rates: for figures the database has already added up
    per day and currency, so no document pays for a lookup of its own."""
    pairs = set(pairs)
    table: dict[str, tuple[list[date], list[Decimal]]] = {}
    currencies = {currency for currency, _ in pairs if currency != settings.BASE_CURRENCY}
    for currency, day, rate in (FxRate.objects.filter(currency__in=currencies).order_by("currency", "rate_date")
                                .values_list("currency", "rate_date", "rate")):
        days, rates = table.setdefault(currency, ([], []))
        days.append(day)
        rates.append(rate)
    found: dict[tuple[str, date], Decimal | None] = {}
    for currency, day in pairs:
        if currency == settings.BASE_CURRENCY:
            found[(currency, day)] = Decimal("1")
        elif currency not in table:
            found[(currency, day)] = None
        else:
            days, rates = table[currency]
            on_or_before = bisect_right(days, day)
            found[(currency, day)] = rates[on_or_before - 1] if on_or_before else rates[0]
    return found


def check_rates(frame: pd.DataFrame) -> None:
    if not frame.empty and frame["rate"].isna().any():
        missing = sorted(set(frame.loc[frame["rate"].isna(), "currency"]))
        raise MissingFxRate(f"No FX rate for {', '.join(missing)}; add one to convert to {settings.BASE_CURRENCY}.")


def to_base(frame: pd.DataFrame, amount: str = "amount") -> pd.Series:
    if frame.empty:
        return pd.Series([], dtype=object)
    check_rates(frame)
    converted = [a * r for a, r in zip(frame[amount], frame["rate"], strict=True)]
    return pd.Series(converted, index=frame.index, dtype=object)
