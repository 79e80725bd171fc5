"""Writing the daily queue: today's list is stored, so the nightly build and the collector's
"refresh" give the same rows, and what was done or snoozed today stays done."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from ledger.models import Customer
from work.queue import scoring
from work.queue.models import QueueEntry
from work.queue.selectors import account_facts

BATCH = 500


def queue_build(*, on: date | None = None, collector_ids: Iterable[int] | None = None) -> int:
    """Score every account of the collectors' portfolios (all portfolios when `collector_ids` is
    None) and store the day's list. Items already done or snoozed today stay as they are; the rest
    is replaced by the new scores. Safe to run twice. Returns how many items are on the lists."""
    on = on or timezone.localdate()
    customers = Customer.objects.filter(portfolio__collector__isnull=False)
    if collector_ids is not None:
        customers = customers.filter(portfolio__collector_id__in=list(collector_ids))
    facts = account_facts(customers, on)
    with transaction.atomic():
        today = QueueEntry.objects.filter(day=on, customer__in=customers.values("pk"))
        kept = set(today.exclude(status=QueueEntry.Status.OPEN).values_list("customer_id", flat=True))
        today.filter(status=QueueEntry.Status.OPEN).delete()
        entries = []
        for pk, account in facts.items():
            if pk in kept:
                continue
            scored = scoring.score(account, on)
            if scored is None:
                continue
            entries.append(QueueEntry(
                day=on, customer_id=pk, collector_id=account.collector_id, score=scored.points,
                balance=account.balance, past_due=account.past_due, reasons=scored.reasons,
                next_action=scored.next_action[:200], escalation=account.escalation,
            ))
        QueueEntry.objects.bulk_create(entries, batch_size=BATCH)
    return len(entries)
