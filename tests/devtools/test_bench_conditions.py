"""What the bench's figures rely on (issue 18): sending messages has its own queue and worker, and the
app's PostgreSQL connections run without JIT."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from collections_app.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)


def test_sending_messages_goes_to_its_own_queue():
    route = celery_app.amqp.router.route({}, "reminders.tasks.messages_send_task")
    assert route["queue"].name == settings.MESSAGES_QUEUE == "messages"
    other = celery_app.amqp.router.route({}, "reminders.tasks.statements_issue_task")
    assert other["queue"].name == celery_app.conf.task_default_queue  # the statement run stays where it was


def test_a_worker_consumes_the_messages_queue_wherever_the_app_runs():
    procfile = (ROOT / "Procfile").read_text()
    assert any("celery -A collections_app worker" in line and "-Q messages" in line for line in procfile.splitlines())
    compose = (ROOT / "docker-compose.yml").read_text()
    assert '"-Q", "messages"' in compose


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
