"""Celery entry points of the collection work: thin, idempotent, they call services."""

from datetime import date

from celery import shared_task

from core.db_stats import refresh_planner_statistics
from work.holds.services import credit_holds_apply_rules
from work.plans.services import plans_settle
from work.promises import promises_settle
from work.queue.models import QueueEntry
from work.queue.services import queue_build


@shared_task
def promises_settle_nightly(on: str | None = None) -> int:
    """Every open promise whose date has passed becomes kept, partially kept or broken."""
    return promises_settle(on=date.fromisoformat(on) if on else None)


@shared_task
def queues_build_nightly(on: str | None = None) -> int:
    """Settle promises and payment plans first (a promise broken or a plan installment missed
    yesterday must top this morning's list), then score every portfolio and store today's lists."""
    day = date.fromisoformat(on) if on else None
    promises_settle(on=day)
    plans_settle(on=day)
    credit_holds_apply_rules(on=day)  # after the plans: a plan broken last night is a hold rule
    built = queue_build(on=day)
    refresh_planner_statistics(QueueEntry)  # today's rows replaced yesterday's: plan the pages on them
    return built


@shared_task
def queue_build_for(collector_id: int, on: str | None = None) -> int:
    """One collector's list, on demand."""
    return queue_build(on=date.fromisoformat(on) if on else None, collector_ids=[collector_id])
