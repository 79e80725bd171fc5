"""Celery entry point of payment plans. The nightly queue build (work.tasks) settles
plans before it scores the accounts; this task lets an operator settle them on their own."""

from datetime import date

from celery import shared_task

from work.plans.services import plans_settle


@shared_task
def plans_settle_nightly(on: str | None = None) -> int:
    """Installments due up to yesterday become kept, late or missed; safe to run twice."""
    return plans_settle(on=date.fromisoformat(on) if on else None)
