"""Money: Decimal with two places, never float.

`MONEY` is the model field's arguments, `MONEY_FIELD` the output field of database expressions
over amounts, `ZERO` the zero amount. Every package uses these; none defines its own.
"""

from decimal import Decimal

from django.db.models import DecimalField

MONEY = {"max_digits": 14, "decimal_places": 2}
MONEY_FIELD = DecimalField(**MONEY)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount a money field holds (14 digits, 2 of them decimals).
MAX_AMOUNT = Decimal("999999999999.99")

