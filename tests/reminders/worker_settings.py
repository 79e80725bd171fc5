"""Settings for the Celery worker processes the integration tests start: the project's settings
(pointed at the test database and the test SMTP server through the environment) with a short
outbox lease, so a send abandoned by a killed worker is recovered within the test."""

import os

from collections_app.settings import *  # noqa: F403

REMINDERS_OUTBOX_LEASE_SECONDS = int(os.environ.get("REMINDERS_OUTBOX_LEASE_SECONDS", "3"))
# --- windows ---
# The worker sends whatever the hour the tests run at, like the test process (tests/conftest.py).
SEND_WINDOW_ENABLED = False
# --- end windows ---
