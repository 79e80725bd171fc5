"""Celery beat: every five minutes, hand the imports whose worker died back to a worker."""

from django.db import migrations

NAME = "Resume imports whose worker stopped"
TASK = "collections_app.imports.tasks.import_jobs_resume"


def add_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(name=NAME, defaults={
        "task": TASK, "interval": every, "enabled": True,
        "description": "A running import with no progress for IMPORT_LEASE_SECONDS lost its worker (nothing was "
                       "written); it is run again, at most IMPORT_MAX_ATTEMPTS times in all.",
    })


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collections_app", "0010_import_job_heartbeat"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(add_schedule, remove_schedule)]
