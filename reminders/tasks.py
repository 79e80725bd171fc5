"""Celery entry points: thin, take ids, safe to run twice; the work is in the services.

Time limits stay well below the broker's visibility timeout (an hour by default) and the outbox
lease, so a task still running is never handed to a second worker and a send outlives its lease
only when its worker is dead."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from . import dunning, outbox, statements, tracking
from .models import StatementRun

SEND_LIMITS = {"acks_late": True, "soft_time_limit": 90, "time_limit": 120}


@shared_task(**SEND_LIMITS)
def message_send_task(message_id: int) -> str:
    message = outbox.message_send(message_id=message_id)
    return message.status if message else "not claimed"


@shared_task(acks_late=True, soft_time_limit=900, time_limit=1200)
def dunning_run_daily(as_of: str | None = None) -> int:
    run = dunning.dunning_run(as_of=date.fromisoformat(as_of) if as_of else None, trigger="beat")
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


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def statement_issue_task(customer_id: int, month: str, run_id: int | None = None) -> int:
    from collections_app.models import Customer

    run = StatementRun.objects.filter(pk=run_id).first() if run_id else None
    statement = statements.statement_issue(customer=Customer.objects.get(pk=customer_id),
                                           month=date.fromisoformat(month), run=run)
    if run is not None:
        statements.statement_run_progress(run_id=run.pk)
    return statement.pk
