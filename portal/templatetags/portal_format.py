"""Money and dates on the portal's pages, as the page's language writes them (reminders.languages,
the same as the customer's emails): `{{ invoice.open_amount|money:invoice.currency }}` gives
"1,234.56 USD", "1 234,56 $US", "1.234,56 €"; `{{ amount|number }}` the amount alone. Dates keep
Django's `|date`, which follows the active language."""

from decimal import Decimal, InvalidOperation

from django import template

from portal import language, wording

register = template.Library()


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value: object, currency: str) -> str:
    amount = _decimal(value)
    return "" if amount is None else language.money(amount, currency or "")


@register.filter
def number(value: object) -> str:
    amount = _decimal(value)
    return "" if amount is None else language.number(amount)


@register.filter
def named(value: object, what: str) -> str:
    """`{{ dispute.root_cause|named:"root_cause" }}`: the customer's word for an internal choice."""
    return wording.named(what, str(value or ""))
