"""Celery entry points: thin, take ids, safe to run twice; the work is in the services.

Time limits stay well below the broker's visibility timeout (an hour by default) and the outbox
lease, so a task still running is never handed to a second worker and a send outlives its lease
only when its worker is dead.

The two tasks the services hand work to (`outbox.messages_send_task`, `statements.statements_issue_task`)
live beside them and keep their registered names, so messages already in a broker still find them."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from reminders import dunning, outbox, statements, tracking


@shared_task(acks_late=True, soft_time_limit=900, time_limit=1200)
def dunning_run_daily(as_of: str | None = None, trigger: str = "beat", by_id: int | None = None) -> int:
    """The morning's reminders: the dunning pass (which first tells missed plan installments)."""
    day = date.fromisoformat(as_of) if as_of else None
    run = dunning.dunning_run(as_of=day, trigger=trigger, by_id=by_id)
    return run.pk


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def outbox_recover() -> dict:
    return outbox.outbox_recover()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def not_opened_check() -> int:
    return tracking.invoices_not_opened_raise()


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def statements_if_due() -> int | None:
    month = statements.statements_due(timezone.localdate())
    return statements.statement_run(month=month).pk if month else None
