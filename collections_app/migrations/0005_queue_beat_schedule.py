"""Celery beat: settle promises to pay at 01:00 and build every collector's queue at 05:00.

Both jobs ask "what is due up to now": settlement looks at every open promise whose date has
passed, and the queue build writes today's list whatever happened on the days before."""

from django.conf import settings
from django.db import migrations

SCHEDULES = [
    ("Settle promises to pay", "collections_app.tasks.promises_settle_nightly", "0", "1",
     "Kept, partially kept or broken, from the cash applied up to the promised date."),
    ("Build the daily queues", "collections_app.tasks.queues_build_nightly", "0", "5",
     "Scores every account of every portfolio and stores today's list; safe to run twice."),
]


def add_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, description in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "enabled": True, "description": description}
        )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collections_app", "0004_default_escalation_matrix"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(add_schedules, remove_schedules)]
