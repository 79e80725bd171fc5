"""The portal speaks the customer's language: the same one as the messages it receives (the
contact the reminders go to, else the customer's, else LANGUAGE_CODE), if the portal is
translated into it (settings.LANGUAGES: en, fr, de, es, nl; catalogs under locale/)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import translation

from ledger.models import Customer
from reminders.languages import base, default_language, wanted_language
from reminders.recipients import dunning_recipients


def available() -> set[str]:
    return {base(code) for code, _ in settings.LANGUAGES}


def portal_language(customer: Customer) -> str:
    """The customer's language if the portal has it, else LANGUAGE_CODE's."""
    contact = dunning_recipients([customer.pk]).get(customer.pk)
    wanted = wanted_language(customer, contact)
    return wanted if wanted in available() else default_language()


@contextmanager
def customer_language(customer: Customer | None) -> Iterator[str]:
    """Pages rendered inside are in the customer's language; yields its code."""
    code = portal_language(customer) if customer is not None else default_language()
    with translation.override(code):
        yield code
