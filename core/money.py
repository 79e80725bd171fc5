"""Money: Decimal with two places, never float.

`MONEY` is the model field's arguments, `MONEY_FIELD` the output field of database expressions
over amounts, `ZERO` the zero amount. Every package uses these; none defines its own.
"""

from decimal import Decimal
from typing import TypedDict

from django.db.models import DecimalField


class MoneyArgs(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: MoneyArgs = {"max_digits": 14, "decimal_places": 2}
MONEY_FIELD: DecimalField = DecimalField(**MONEY)
# What a service takes as an amount: anything `Decimal(...)` reads exactly (a float never is).
Amount = Decimal | int | str
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount a money field holds (14 digits, 2 of them decimals).
MAX_AMOUNT = Decimal("999999999999.99")

