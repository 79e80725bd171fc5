"""Celery entry points: thin, take ids, safe to run twice; the work is in the services.

Time limits stay well below the broker's visibility timeout (an hour by default) and the outbox
lease, so a task still running is never handed to a second worker and a send outlives its lease
only when its worker is dead."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from . import dunning, outbox, statements, tracking
from .models import StatementRun

SEND_LIMITS = {"acks_late": True, "soft_time_limit": 540, "time_limit": 600}
STATEMENT_BATCH = 10


@shared_task(**SEND_LIMITS)
def messages_send_task(message_ids: list[int]) -> int:
    sent = 0
    for pk in message_ids:
        message = outbox.message_send(message_id=pk)
        sent += bool(message and message.status == message.Status.SENT)
    return sent


@shared_task(acks_late=True, soft_time_limit=900, time_limit=1200)
def dunning_run_daily(as_of: str | None = None, trigger: str = "beat", by_id: int | None = None) -> int:
    run = dunning.dunning_run(as_of=date.fromisoformat(as_of) if as_of else None, trigger=trigger, by_id=by_id)
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


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def statements_issue_task(customer_ids: list[int], month: str, run_id: int | None = None) -> int:
    from collections_app.models import Customer

    run = StatementRun.objects.filter(pk=run_id).first() if run_id else None
    queued = []
    for customer in Customer.objects.filter(pk__in=customer_ids):
        statement = statements.statement_issue(customer=customer, month=date.fromisoformat(month), run=run,
                                               dispatch=False)
        if statement.message_id and statement.message.status == statement.message.Status.QUEUED:
            queued.append(statement.message_id)
    outbox.messages_dispatch(queued)
    if run is not None:
        statements.statement_run_progress(run_id=run.pk)
    return len(customer_ids)
