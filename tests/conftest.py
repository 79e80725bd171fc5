import pytest
from django.core.management import call_command

from collections_app.celery import app as celery_app


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks run in-process unless a test starts a real worker (see tests marked celery_worker)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fresh_cache_and_fast_hashing(settings):
    """Each test starts with an empty cache (rate-limit counters included) of its own, and hashes
    passwords cheaply: the production hasher is deliberately slow."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.REPORT_CACHE_SECONDS = 0  # pages compute their figures; tests/reporting/test_cache.py keeps them
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def ledger_balances(db):
    """Call after a scenario that moved money: check_ledger must find no difference."""

    def check():
        call_command("check_ledger")

    return check


# --- windows ---
@pytest.fixture(autouse=True)
def _send_window_open(settings):
    """Automatic mail leaves at once in tests, whatever the hour they run at; the send-window tests
    (tests/reminders/test_send_windows.py) turn the window on with their own hours."""
    settings.SEND_WINDOW_ENABLED = False
# --- end windows ---
