"""The scheduled jobs, as django-celery-beat rows (editable in the admin). Every job asks "what is
due up to now and not yet done", so the time of day only decides when the work happens."""

import json

from django.db import migrations

JOBS = [
    # (name, task, crontab minute, hour) — None for the every-minute outbox sweep.
    ("reminders: daily dunning run", "reminders.tasks.dunning_run_daily", "0", "6"),
    ("reminders: invoices not opened before due", "reminders.tasks.not_opened_check", "30", "6"),
    ("reminders: monthly statements when due", "reminders.tasks.statements_if_due", "0", "7"),
    ("reminders: outbox sweep (requeue abandoned sends)", "reminders.tasks.outbox_recover", "*", "*"),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in JOBS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*"
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": schedule, "args": json.dumps([]), "enabled": True}
        )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[j[0] for j in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0002_default_policies"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
