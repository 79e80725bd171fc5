import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The portal's POST budget lives in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _quick_setup(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PAYMENTS_PROVIDER = "sandbox"
    settings.PAYMENTS_SANDBOX_ALLOWED = True
    settings.AUTOPAY_NOTICE_DAYS = 3
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a block and then what it left for after the commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
