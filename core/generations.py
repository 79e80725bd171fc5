"""Generation counters in the cache: a number that moves on every committed write of a kind, so
anything kept under the old number is never served again. It never returns to an earlier value:
when the cache has lost the key, the next value is the clock in nanoseconds."""

import time

from django.core.cache import cache
from django.db import transaction


def generation_bump_on_commit(key: str) -> None:
    """Move `key`'s generation once the current transaction commits (at once outside one), so
    nobody keeps figures read before the write under the new generation."""
    transaction.on_commit(lambda: _bump(key))


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not there (first write, or the cache dropped it): a value never used before
        cache.set(key, time.time_ns(), None)


def generation(key: str) -> int:
    value = cache.get(key)
    if value is None:
        value = time.time_ns()
        cache.add(key, value, None)
        value = cache.get(key, value)
    return int(value)


ACCOUNTS_KEY = "accounts:changed"


def accounts_changed() -> None:
    """Who an account is and how it is reached changed (a customer's delivery, status, name or
    portfolio; a contact added, edited, deactivated or bounced; a portfolio's or a collector's team):
    figures kept from the accounts (the e-delivery page's) are obsolete once the write commits. Any
    layer may call it: the writes live in the ledger, the portfolios, the reminders and the inbox."""
    generation_bump_on_commit(ACCOUNTS_KEY)


REPORTS_KEY = "reports:changed"  # every kept report figure (reporting.cache), besides the ledger's moves


def reports_changed() -> None:
    """A write every kept report depends on committed (a target; who owns which accounts): keep none
    from before it (`reporting.cache.figures_changed` is this, for the layers above the ledger)."""
    generation_bump_on_commit(REPORTS_KEY)


def owners_changed() -> None:
    """Accounts changed hands (a reassignment; a portfolio's collector, a team, a collector's
    profile): what is kept from the accounts and every report grouped by collector or team (the
    team dashboard, targets, the forecast by collector) are obsolete once the write commits."""
    accounts_changed()
    reports_changed()
