"""The web server under load: gunicorn on a free loopback port (as the Procfile runs it, with
production settings: DEBUG off, static files collected), and simulated collectors (threads), each
logged in with its own session, opening their queue and their accounts for a bounded time.

A simulated collector opens their queue, then one of their accounts, and so on; after each page it
reads for a pause drawn uniformly between `think` = (low, high) seconds (locust's `between(low, high)`);
(0, 0) sends the next request at once: a saturation test, not a workload."""

import logging
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from collections_app.models import Customer

from .pages import percentile
from .processes import child_env

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _sessions(users: int) -> list[tuple[str, list[int]]]:
    """(session cookie, that collector's account ids) for `users` simulated collectors, taking the
    collectors with accounts in turn."""
    collectors = list(get_user_model().objects.filter(portfolios__customers__isnull=False).distinct().order_by("pk"))
    sessions = []
    logging.getLogger("axes").disabled = True  # fifty "successful login" lines say nothing here
    for n in range(users if collectors else 0):
        user = collectors[n % len(collectors)]
        client = Client()
        client.force_login(user)
        accounts = list(Customer.objects.filter(portfolio__collector=user).order_by("?")
                        .values_list("pk", flat=True)[:50])
        sessions.append((client.cookies[settings.SESSION_COOKIE_NAME].value, accounts))
    logging.getLogger("axes").disabled = False
    return sessions


def _wait_until_up(base: str, server: subprocess.Popen, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            probe = urllib.request.Request(base + "/login/", headers={"X-Forwarded-Proto": "https"})
            with urllib.request.urlopen(probe, timeout=2):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def production_env(static_root: str) -> dict | None:
    """The environment gunicorn runs in for the load test: this process's database and SECRET_KEY (the
    sessions were made here), DEBUG off, static files collected into `static_root` (None: the database
    cannot be shared)."""
    env = child_env()
    if env is None:
        return None
    return {**env, "DEBUG": "0", "SECRET_KEY": settings.SECRET_KEY, "STATIC_ROOT": static_root}


def collect_static(env: dict) -> str | None:
    """`collectstatic` into env["STATIC_ROOT"] (the manifest DEBUG-off pages need); the error, or None."""
    done = subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), "collectstatic", "--noinput",
                           "-v", "0"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["collectstatic failed"])[-1]


def web_under_load(users: int = 50, seconds: float = 20, workers: int = 2, threads: int = 4,
                   think: tuple[float, float] = (0, 0)) -> dict:
    """Requests per second, p50/p95 and errors with `users` collectors alternating /queue/ and
    /accounts/<id>/ for `seconds`, each reading a page for a pause drawn uniformly in `think`."""
    low, high = think
    if users <= 0 or seconds <= 0:
        return {"skipped": "no simulated users or no time"}
    with tempfile.TemporaryDirectory(prefix="bench-static-") as static_root:
        env = production_env(static_root)
        if env is None:
            return {"skipped": "gunicorn cannot see this database (in memory, or in an open transaction)"}
        problem = collect_static(env)
        if problem:
            return {"skipped": f"collectstatic failed: {problem}"}
        sessions = _sessions(users)
        if not sessions:
            return {"skipped": "no collector has accounts"}
        return _run(env, sessions, seconds, workers, threads, low, high)


def _run(env: dict, sessions: list, seconds: float, workers: int, threads: int, low: float, high: float) -> dict:
    port = _free_port()
    base = f"http://{HOST}:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "collections_app.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(workers),
         "--threads", str(threads), "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    timings, errors, lock = [], [], threading.Lock()
    by_page = {"queue": [], "accounts": []}
    try:
        if not _wait_until_up(base, server):
            return {"skipped": "gunicorn did not start"}
        deadline = time.monotonic() + seconds

        def collector(cookie: str, accounts: list[int], seed: int) -> None:
            rnd = random.Random(seed)
            opener = urllib.request.build_opener()
            # As behind the TLS-terminating proxy production runs behind (SECURE_PROXY_SSL_HEADER).
            opener.addheaders = [("Cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}"), ("X-Forwarded-Proto", "https")]
            while time.monotonic() < deadline:
                for path in ("/queue/", f"/accounts/{rnd.choice(accounts)}/" if accounts else "/queue/"):
                    start = time.perf_counter()
                    try:
                        with opener.open(base + path, timeout=30) as response:
                            response.read()
                            failed = None if response.status == 200 else f"HTTP {response.status}"
                            if "/login/" in response.url:
                                failed = "sent to the login page"
                    except (urllib.error.URLError, OSError) as problem:
                        failed = str(problem)
                    elapsed = (time.perf_counter() - start) * 1000
                    with lock:
                        timings.append(elapsed)
                        by_page[path.split("/")[1]].append(elapsed)
                        if failed:
                            errors.append(f"{path.split('/')[1]}: {failed}")
                    if high:
                        time.sleep(min(rnd.uniform(low, high), max(deadline - time.monotonic(), 0)))

        started = time.perf_counter()
        crowd = [threading.Thread(target=collector, args=(cookie, accounts, n), daemon=True)
                 for n, (cookie, accounts) in enumerate(sessions)]
        for thread in crowd:
            thread.start()
        for thread in crowd:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if not timings:
        return {"skipped": "no request completed"}
    return {"users": len(sessions), "seconds": round(elapsed, 1), "requests": len(timings),
            "requests_per_second": round(len(timings) / elapsed, 1), "p50_ms": round(percentile(timings, 0.5), 1),
            "p95_ms": round(percentile(timings, 0.95), 1), "errors": len(errors),
            "first_errors": sorted(set(errors))[:5], "gunicorn": f"{workers} workers x {threads} threads",
            "think_seconds": [low, high], "settings": "DEBUG off, static files collected, DB_CONN_MAX_AGE "
            + env.get("DB_CONN_MAX_AGE", "default"),
            "p95_ms_by_page": {page: round(percentile(times, 0.95), 1) for page, times in by_page.items() if times}}
