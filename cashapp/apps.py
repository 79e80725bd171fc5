from django.apps import AppConfig


class CashappConfig(AppConfig):
    name = "cashapp"
    verbose_name = "Cash application"
