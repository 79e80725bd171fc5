"""Which portfolio an account is in, with the history of who owned it when."""

from collections.abc import Iterable
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.generations import owners_changed
from ledger.models import Customer
from portfolios.models import Assignment, Portfolio


def customers_assign(
    *, customer_ids: Iterable[int], portfolio: Portfolio, by: User | None = None, reason: str = "",
    on: date | None = None,
) -> int:
    """Move accounts to `portfolio` from `on` (today by default): the previous owner keeps them up
    to the day before, the new owner has them from `on`, and the history says who moved them and
    why. Accounts already in that portfolio are left alone. Returns how many accounts moved."""
    on = on or timezone.localdate()
    with transaction.atomic():
        moving = list(
            Customer.objects.select_for_update()
            .filter(pk__in=list(customer_ids))
            .exclude(portfolio=portfolio)
            .values_list("pk", flat=True)
        )
        if not moving:
            return 0
        current = Assignment.objects.filter(customer_id__in=moving, ends_on__isnull=True)
        # An assignment that only started today (or later) closes the day it started.
        current.filter(starts_on__gte=on).update(ends_on=on)
        current.update(ends_on=on - timedelta(days=1))
        Assignment.objects.bulk_create(
            [Assignment(customer_id=pk, portfolio=portfolio, starts_on=on, by=by, reason=reason) for pk in moving]
        )
        Customer.objects.filter(pk__in=moving).update(portfolio=portfolio, updated_at=timezone.now())
        owners_changed()  # the accounts' own figures and every report by collector
    return len(moving)
