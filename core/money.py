"""Money: Decimal with two places, never float.

`MONEY` is the model field's arguments, `MONEY_FIELD` the output field of database expressions
over amounts, `ZERO` the zero amount. Every package uses these; none defines its own.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField

MONEY = {"max_digits": 14, "decimal_places": 2}
MONEY_FIELD = DecimalField(**MONEY)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount a money field holds (14 digits, 2 of them decimals).
MAX_AMOUNT = Decimal("999999999999.99")


def quantize(value) -> Decimal:
    """An amount rounded half up to the cent (how invoices, interest and shares are rounded)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(value: Decimal, currency: str = "") -> str:
    """`1,234.50 EUR`: grouped thousands, two decimals, the currency code after."""
    text = f"{Decimal(value):,.2f}"
    return f"{text} {currency}" if currency else text
