"""The web server under load: gunicorn on a free loopback port (as the Procfile runs it, with
production settings: DEBUG off, static files collected), warmed up, then simulated collectors, each
logged in with its own session, opening their queue and their accounts for a bounded time. The
collectors run in a separate process (`crowd`), as a locust swarm would.

A simulated collector opens their queue, then one of their accounts, and so on; after each page it
reads for a pause drawn uniformly between `think` = (low, high) seconds (locust's `between(low, high)`);
(0, 0) sends the next request at once: a saturation test, not a workload."""

import json
import logging
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from devtools.benchmarks.pages import percentile
from devtools.benchmarks.processes import child_env
from ledger.models import Customer

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
    axes = logging.getLogger("axes")  # fifty "successful login" lines (from axes.* loggers) say nothing here
    level = axes.level
    axes.setLevel(logging.WARNING)
    for n in range(users if collectors else 0):
        user = collectors[n % len(collectors)]
        cookie = session_cookie(user)
        accounts = list(Customer.objects.filter(portfolio__collector=user).order_by("?")
                        .values_list("pk", flat=True)[:50])
        sessions.append((cookie, accounts))
    axes.setLevel(level)
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


@contextmanager
def production_setup() -> Iterator[tuple[dict | None, str]]:
    """For the block, the environment gunicorn runs in (`production_env`) with its static files
    collected into a temporary STATIC_ROOT: (env, ""), or (None, why it cannot run)."""
    with tempfile.TemporaryDirectory(prefix="bench-static-") as static_root:
        env = production_env(static_root)
        if env is None:
            yield None, "gunicorn cannot see this database (in memory, or in an open transaction)"
            return
        problem = collect_static(env)
        yield (None, f"collectstatic failed: {problem}") if problem else (env, "")


def session_cookie(user) -> str:
    """A logged-in session of `user`, as its cookie's value."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def web_under_load(users: int = 50, seconds: float = 20, workers: int = 2, threads: int = 4,
                   think: tuple[float, float] = (0, 0), ramp: float | None = None) -> dict:
    """Requests per second, p50/p95 and errors with `users` collectors alternating /queue/ and
    /accounts/<id>/ for `seconds`, each reading a page for a pause drawn uniformly in `think`."""
    low, high = think
    if users <= 0 or seconds <= 0:
        return {"skipped": "no simulated users or no time"}
    with production_setup() as (env, problem):
        if env is None:
            return {"skipped": problem}
        sessions = _sessions(users)
        if not sessions:
            return {"skipped": "no collector has accounts"}
        # Arrivals spread over one longest pause unless told otherwise, as locust spawns users at a rate.
        return _run(env, sessions, seconds, workers, threads, low, high, high if ramp is None else ramp)


def _warm_up(base: str, sessions: list, rounds: int) -> None:
    """A few untimed pages first, as a server that has been up all morning: each gunicorn thread has
    its database connection and compiled templates before the first collector arrives."""
    cookie_name = settings.SESSION_COOKIE_NAME
    for cookie, accounts in sessions[:rounds]:
        headers = {"Cookie": f"{cookie_name}={cookie}", "X-Forwarded-Proto": "https"}
        for path in ("/queue/", f"/accounts/{accounts[0]}/" if accounts else "/queue/"):
            try:
                with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=30) as page:
                    page.read()
            except OSError:
                pass  # the timed run counts errors; the warm-up only warms


def _crowd(env: dict, plan: dict) -> list[dict]:
    """Run the simulated collectors in their own process (`benchmarks.crowd`); every request's record."""
    done = subprocess.run([sys.executable, "-m", "devtools.benchmarks.crowd"], input=json.dumps(plan),
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False,
                          timeout=plan["ramp"] + plan["seconds"] + 120)
    if done.returncode != 0:
        raise RuntimeError((done.stderr.strip().splitlines() or ["the load generator failed"])[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def serving(env: dict, workers: int, threads: int) -> Iterator[str | None]:
    """gunicorn as the Procfile runs it, on a free loopback port, for the block: its base URL, or
    None if it did not start. Stopped after."""
    port = _free_port()
    base = f"http://{HOST}:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "collections_app.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(workers),
         "--threads", str(threads), "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield base if _wait_until_up(base, server) else None
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _run(env: dict, sessions: list, seconds: float, workers: int, threads: int, low: float, high: float,
         ramp: float) -> dict:
    with serving(env, workers, threads) as base:
        if base is None:
            return {"skipped": "gunicorn did not start"}
        _warm_up(base, sessions, rounds=workers * threads)
        try:
            records = _crowd(env, {"base": base, "cookie_name": settings.SESSION_COOKIE_NAME, "seconds": seconds,
                                   "think": [low, high], "ramp": ramp, "seed": 0,
                                   "users": [{"cookie": c, "accounts": accounts} for c, accounts in sessions]})
        except (RuntimeError, subprocess.TimeoutExpired) as problem:
            return {"skipped": f"load generator: {problem}"}
    if not records:
        return {"skipped": "no request completed"}
    timings = [record["ms"] for record in records]
    errors = [f"{record['page']}: {record['error']}" for record in records if record["error"]]
    elapsed = max(r["at"] + r["ms"] / 1000 for r in records) - min(r["at"] for r in records)
    by_page: dict[str, list[float]] = {}
    for record in records:
        by_page.setdefault(record["page"], []).append(record["ms"])
    return {"users": len(sessions), "seconds": round(elapsed, 1), "requests": len(timings),
            "requests_per_second": round(len(timings) / elapsed, 1) if elapsed else None,
            "p50_ms": round(percentile(timings, 0.5), 1), "p95_ms": round(percentile(timings, 0.95), 1),
            "max_ms": round(max(timings), 1), "errors": len(errors), "first_errors": sorted(set(errors))[:5],
            "gunicorn": f"{workers} workers x {threads} threads", "think_seconds": [low, high],
            "ramp_seconds": ramp, "clients": "a separate process (devtools.benchmarks.crowd)",
            "settings": "DEBUG off, static files collected, DB_CONN_MAX_AGE " + env.get("DB_CONN_MAX_AGE", "default"),
            "p95_ms_by_page": {page: round(percentile(times, 0.95), 1) for page, times in by_page.items()}}
