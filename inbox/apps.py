from django.apps import AppConfig


class InboxConfig(AppConfig):
    """Mail customers send us: replies matched to their account, the AR inbox of the rest."""

    name = "inbox"
    default_auto_field = "django.db.models.BigAutoField"
