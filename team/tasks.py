"""Celery entry points of the team pages: thin, they take ids and call services."""

from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from team import services, warm
from team.one_on_one import last_week
from team.selectors import managers_to_mail


@shared_task
def weekly_digests_send(week_start: str | None = None) -> int:
    """Monday morning (beat): queue one digest per manager for the last full week. Safe to run twice:
    each manager's digest for a week is sent at most once. Returns how many were queued."""
    week = week_start or last_week(timezone.localdate()).isoformat()
    ids = list(managers_to_mail().values_list("pk", flat=True))
    for manager_id in ids:
        weekly_digest_send.delay(manager_id, week)
    return len(ids)


@shared_task
def weekly_digest_send(manager_id: int, week_start: str) -> bool:
    manager = get_user_model().objects.get(pk=manager_id)
    return services.weekly_digest_send(manager=manager, week_start=date.fromisoformat(week_start)) is not None


@shared_task(name="team.tasks.morning_figures_warm", soft_time_limit=1500, time_limit=1800)
def morning_figures_warm() -> int:
    """After the 06:00 run (beat): the manager and finance pages' figures computed and kept, so the
    first visit of the day reads them kept. Safe to run twice (it recomputes)."""
    return warm.morning_figures_warm(timezone.localdate())
