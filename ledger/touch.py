"""The earliest business date each ledger write touched, for whoever keeps figures computed from the
ledger's history (the reporting app's nightly AR snapshots).

A payment keyed this morning but dated yesterday changes yesterday's AR; a snapshot of yesterday
taken last night is then wrong. The ledger knows nothing above it, so it only records "history
changed from this date" (`ledger_touch`), in the same transaction as the write; the keeper of
figures reads the pending touches (`touches_pending`), recomputes from the earliest date and
clears the touches it read (`touches_clear`). A touch that was not read stays pending, so a write
that commits while figures are recomputed is never lost.

Every write that moves money (dated or not: unapplied cash, a reversal) also bumps a counter in the
shared cache once it commits (`ledger_moved`); figures kept for a few minutes (`reporting.cache`)
are keyed by it (`ledger_generation`), so a page never shows money as it was before a write.
"""

from datetime import date

from django.db import models
from django.db.models import OuterRef, QuerySet

from core.generations import generation, generation_bump_on_commit

GENERATION_KEY = "ledger:moved"
CLEAR_BATCH = 900  # ids per DELETE: within SQLite's oldest variable limit (999)


class LedgerTouch(models.Model):
    """Some write changed the ledger's history on `since` and later days."""

    since = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["since"])]

    def __str__(self) -> str:
        return f"ledger touched since {self.since}"


def ledger_touch(*, on: date | None) -> None:
    """Record that a write changed the ledger as it stood at the end of `on` and every later day
    (an invoice's issue date, an application's or write-off's date). Called inside the write's
    transaction; `None` (nothing dated was written) records nothing."""
    if on is not None:
        LedgerTouch.objects.create(since=on)
    ledger_moved()


def ledger_moved() -> None:
    """Money moved: figures kept from the ledger are out of date once the write commits (bumped after
    the commit, so nobody keeps figures read before it under the new generation)."""
    generation_bump_on_commit(GENERATION_KEY)


def ledger_generation() -> int:
    """Changes whenever money moved (see `ledger_moved`); never returns to an earlier value."""
    return generation(GENERATION_KEY)


def touches_pending() -> list[tuple[int, date]]:
    """(id, since) of every touch not yet cleared, earliest date first."""
    return list(LedgerTouch.objects.order_by("since", "pk").values_list("pk", "since"))


def touches_on_or_before(day: date | OuterRef) -> QuerySet[LedgerTouch]:
    """Pending touches that changed the ledger as it stood at the end of `day` (a date, or an
    `OuterRef` to a kept figure's date): while one exists, a figure kept for that day is stale."""
    return LedgerTouch.objects.filter(since__lte=day)


def touches_clear(ids: list[int]) -> None:
    """Forget the touches whose figures were recomputed (only those read before recomputing)."""
    for start in range(0, len(ids), CLEAR_BATCH):
        LedgerTouch.objects.filter(pk__in=ids[start:start + CLEAR_BATCH]).delete()
