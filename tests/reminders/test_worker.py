"""Integration: a real Celery worker process, the real broker (Redis when REDIS_URL is set, else
kombu's filesystem transport) and a real local SMTP server (aiosmtpd) capturing the mail."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from collections_app.celery import app as celery_app
from ledger.models import Customer
from ledger.services import payment_receive
from reminders.dunning import dunning_run
from reminders.models import DunningPolicy, OutboundMessage
from reminders.outbox import messages_dispatch, outbox_recover
from tests.reminders.factories import account, invoice, policy
from work.services import dispute_open, promise_record

ROOT = Path(__file__).resolve().parents[2]
TODAY = timezone.localdate()


def _database_url() -> str | None:
    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db["ENGINE"].endswith("sqlite3") and "memory" not in str(db["NAME"]) and not str(db["NAME"]).startswith(":"):
        return f"sqlite:///{db['NAME']}"
    return None


pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_db():
    url = _database_url()
    if url is None:
        pytest.skip("The SQLite test database is in memory, invisible to a worker process: run with DATABASE_URL "
                    "(PostgreSQL) or give DATABASES a file-based TEST NAME.")
    return url


class Capture:
    """An SMTP handler that keeps every message it accepted. With `hold` set, the first DATA
    waits until released; a message whose client vanished meanwhile was never acknowledged, so it
    is not kept (the client could not know it arrived)."""

    def __init__(self):
        self.accepted: list = []
        self.hold = False
        self.entered = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.hold and not self.entered.is_set():
            self.entered.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            if server.transport is None or server.transport.is_closing():
                return "451 client gone"
        with self.lock:
            self.accepted.append(message_from_bytes(envelope.content))
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.accepted]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    capture = Capture()
    controller = Controller(capture, hostname="127.0.0.1", port=port)
    controller.start()
    capture.port = port
    yield capture
    capture.release.set()
    controller.stop()


@pytest.fixture
def workers(worker_db, smtp, tmp_path):
    """start() launches a worker process (its own process group, so it can be SIGKILLed whole)."""
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    env = {**os.environ, "DATABASE_URL": worker_db, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port),
           "EMAIL_USE_TLS": "0", "VAR_DIR": str(settings.VAR_DIR),
           "DJANGO_SETTINGS_MODULE": "tests.reminders.worker_settings", "REMINDERS_OUTBOX_LEASE_SECONDS": "3"}
    started: list[subprocess.Popen] = []

    def start(name: str) -> subprocess.Popen:
        log = tmp_path / f"{name}.log"
        proc = subprocess.Popen(
            # Both queues: the runs on the default one, the sends on `messages` (CELERY_TASK_ROUTES).
            [sys.executable, "-m", "celery", "-A", "collections_app", "worker", "-P", "prefork", "-c", "1",
             "-Q", "celery,messages", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-l", "INFO"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        started.append(proc)
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker {name} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        proc.log = log
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    celery_app.control.purge()


def kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def wait_until_final(expected: int, timeout: float = 60) -> list[OutboundMessage]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = list(OutboundMessage.objects.order_by("pk"))
        if len(rows) == expected and all(m.is_final for m in rows):
            return rows
        time.sleep(0.3)
    pytest.fail(f"outbox not settled: {[(m.pk, m.status, m.attempts) for m in OutboundMessage.objects.all()]}")


@pytest.fixture
def standard():
    DunningPolicy.objects.all().delete()
    return policy(name="Standard", is_default=True)


def test_daily_run_sends_exactly_the_expected_messages(standard, workers, smtp):
    workers("w1")
    two = account()
    a, b = invoice(two, due=TODAY - timedelta(days=4)), invoice(two, due=TODAY - timedelta(days=11))
    one = account()
    c = invoice(one, due=TODAY - timedelta(days=21))
    invoice(account(), due=TODAY + timedelta(days=30))  # nothing due
    held = account()
    invoice(held, due=TODAY - timedelta(days=4))
    Customer.objects.filter(pk=held.pk).update(status=Customer.Status.ON_HOLD)

    dunning_run(as_of=TODAY)
    rows = wait_until_final(2)
    assert {m.status for m in rows} == {"sent"}
    assert sorted(m["To"] for m in smtp.accepted) == sorted(
        [f"ap@{two.external_id.lower()}.test", f"ap@{one.external_id.lower()}.test"])
    by_to = {m["To"]: m for m in smtp.accepted}
    body = by_to[f"ap@{two.external_id.lower()}.test"].get_payload(0).get_payload(decode=True).decode()
    assert a.external_id in body and b.external_id in body and c.external_id not in body
    assert sorted(smtp.message_ids()) == sorted(m.provider_message_id for m in rows)


def test_running_twice_with_two_workers_sends_nothing_more(standard, workers, smtp):
    workers("w1"), workers("w2")
    customers = [account() for _ in range(6)]
    for customer in customers:
        invoice(customer, due=TODAY - timedelta(days=4))
    dunning_run(as_of=TODAY)
    dunning_run(as_of=TODAY)
    messages_dispatch(OutboundMessage.objects.values_list("pk", flat=True))  # duplicate tasks on purpose
    rows = wait_until_final(6)
    time.sleep(2)  # let the duplicate tasks run out
    assert len(smtp.accepted) == 6
    assert len(set(smtp.message_ids())) == 6
    assert all(m.status == "sent" and m.attempts == 1 for m in rows)


def test_worker_killed_mid_send_leaves_every_message_sent_exactly_once(standard, workers, smtp):
    smtp.hold = True
    for _ in range(3):
        invoice(account(), due=TODAY - timedelta(days=4))
    first = workers("w1")
    dunning_run(as_of=TODAY)
    assert smtp.entered.wait(30), "no send reached the SMTP server"
    kill(first)
    smtp.release.set()
    stuck = OutboundMessage.objects.get(status="sending")
    workers("w2")
    time.sleep(3.5)  # the killed attempt's lease runs out
    # The sweep, once the dead worker's batch is overdue: the row it held goes back to the queue,
    # and the rest of its batch (lost with it on the filesystem broker) is handed out again.
    assert outbox_recover(redispatch_after=timedelta(0))["requeued"] == 1
    rows = wait_until_final(3)
    assert all(m.status == "sent" for m in rows)
    assert len(smtp.accepted) == 3 and len(set(smtp.message_ids())) == 3
    stuck.refresh_from_db()
    assert stuck.attempts == 2 and smtp.message_ids().count(stuck.provider_message_id) == 1


def test_three_days_of_downtime_then_a_run_sends_only_the_step_now_due(standard, workers, smtp):
    workers("w1")
    early = account()   # +3 sent three days ago; +10 is due now
    invoice(early, due=TODAY - timedelta(days=12))
    late = account()    # nothing sent yet; −5 was missed during the downtime, +3 is due now
    invoice(late, due=TODAY - timedelta(days=4))
    dunning_run(as_of=TODAY - timedelta(days=3))
    wait_until_final(2)
    assert {m.step.offset_days for m in OutboundMessage.objects.all()} == {3, -5}
    # the server is down for three days; then:
    dunning_run(as_of=TODAY)
    rows = wait_until_final(4)
    today = [m for m in rows if m.run.as_of == TODAY]
    assert {(m.customer_id, m.step.offset_days) for m in today} == {(early.pk, 10), (late.pk, 3)}
    assert len(smtp.accepted) == 4


def test_dispute_promise_hold_and_payment_between_run_and_send_each_stop_the_message(standard, workers, smtp,
                                                                                     ledger_balances):
    accounts = {name: account() for name in ("dispute", "promise", "hold", "payment", "untouched")}
    invoices = {name: invoice(c, due=TODAY - timedelta(days=4)) for name, c in accounts.items()}
    dunning_run(as_of=TODAY)  # no worker yet: the sends wait in the broker
    dispute_open(customer=accounts["dispute"], invoices=[invoices["dispute"]], amount="1000.00", root_cause="pricing")
    promise_record(customer=accounts["promise"], amount="1000.00", pay_by=TODAY + timedelta(days=7),
                   invoices=[invoices["promise"]])
    Customer.objects.filter(pk=accounts["hold"].pk).update(status=Customer.Status.ON_HOLD)
    payment_receive(customer=accounts["payment"], external_id="PAY-1", received_date=TODAY, amount="1000.00",
                    currency="USD", applications=[(invoices["payment"], invoices["payment"].amount)])
    ledger_balances()
    workers("w1")
    rows = {m.customer_id: m for m in wait_until_final(5)}
    assert rows[accounts["untouched"].pk].status == "sent"
    assert all(rows[accounts[n].pk].status == "cancelled" for n in ("dispute", "promise", "hold", "payment"))
    assert [m["To"] for m in smtp.accepted] == [f"ap@{accounts['untouched'].external_id.lower()}.test"]
