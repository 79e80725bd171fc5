"""Schedule the nightly AR snapshot in django-celery-beat (editable in the admin)."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "Nightly AR snapshot"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="1", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "reporting.ar_snapshot_nightly", "crontab": crontab, "enabled": True,
                  "description": "Stores each customer's AR by aging bucket for the day that ended (and any day missed)."},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
