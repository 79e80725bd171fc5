from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CollectionsAppConfig(AppConfig):
    name = "collections_app"
    verbose_name = "Collections Workbench"

    def ready(self) -> None:
        from collections_app.schedules import schedules_install  # models load only once the app registry is ready

        # Once per migrate, after beat's own tables (this app has no models, so no signal of its own).
        post_migrate.connect(schedules_install, sender=apps.get_app_config("django_celery_beat"),
                             dispatch_uid="collections_app.schedules")
