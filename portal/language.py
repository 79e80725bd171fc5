"""The portal speaks the customer's language: the same one as the messages it receives (the
contact the reminders go to, else the customer's, else LANGUAGE_CODE), if the portal is
translated into it (settings.LANGUAGES: en, fr, de, es, nl; catalogs under locale/)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from ledger.models import Customer
from reminders import languages
from reminders.languages import base, default_language, wanted_language
from reminders.recipients import dunning_recipients


def available() -> set[str]:
    return {base(code) for code, _ in settings.LANGUAGES}


def portal_language(customer: Customer) -> str:
    """The customer's language if the portal has it, else LANGUAGE_CODE's."""
    contact = dunning_recipients([customer.pk]).get(customer.pk)
    wanted = wanted_language(customer, contact)
    return wanted if wanted in available() else default_language()


def error_language(request: HttpRequest, customer_id: int | None) -> str:
    """The language of a page shown for a link that does not open: the customer's when the (genuine)
    link says who it was for, else the browser's (Accept-Language) if the portal has it, else
    LANGUAGE_CODE's."""
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    if customer is not None:
        return portal_language(customer)
    wanted = base(translation.get_language_from_request(request))
    return wanted if wanted in available() else default_language()


@contextmanager
def customer_language(customer: Customer | None) -> Iterator[str]:
    """Pages rendered inside are in the customer's language; yields its code."""
    code = portal_language(customer) if customer is not None else default_language()
    with translation.override(code):
        yield code


def current() -> str:
    """The language the page is being written in (customer_language's)."""
    return base(translation.get_language() or "") or default_language()


def money(amount: Decimal, currency: str) -> str:
    """An amount as the page's language writes it: "1,234.56 USD", "1 234,56 €", "€ 1.234,56"."""
    return languages.money(amount, currency, current())


def number(amount: Decimal) -> str:
    """An amount without its currency, as the page's language writes it: "1,234.56", "1.234,56"."""
    return languages.number(amount, current())


def figure(value: Decimal) -> str:
    """A plain figure (a percentage) as the page's language writes it: "2.5", "2,5"."""
    return languages.figure(value, current())


def day(value: date) -> str:
    """A date as the page's language writes it: "Dec 1, 2026", "1 déc. 2026", "01.12.2026"."""
    return languages.day(value, current())
