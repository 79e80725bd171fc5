"""Five managers opening the same cold morning page at once (issue 18: all of them within 1.5 s).

gunicorn serves the pages as the Procfile runs it (production settings, two workers), warmed up.
For each morning page the kept figures are made obsolete (`figures_changed`, as any write above
the ledger does), then `users` requests for it leave together (a barrier) from threads of this
process, each with its own connection and the session of the person who opens that page: one of
them computes the figures, the others wait for them (`reporting.single_flight`) and read them kept.
The slowest of the `users` is what the last of them waited.
"""

import http.client
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings

from devtools.benchmarks.load import production_setup, serving, session_cookie
from devtools.benchmarks.pages import morning_pages
from reporting.cache import figures_changed

USERS = 5
TARGET_MS = 1500


def same_page_at_once(users: int = USERS, workers: int = 2, threads: int = 4) -> dict:
    """For each morning page: the milliseconds each of `users` waited, opening it together cold."""
    pages = morning_pages()
    if pages is None:
        return {"skipped": "no manager"}
    with production_setup() as (env, problem):
        if env is None:
            return {"skipped": problem}
        cookies = {user.pk: session_cookie(user) for _, _, user in pages}
        with serving(env, workers, threads) as base:
            if base is None:
                return {"skipped": "gunicorn did not start"}
            measured = []
            for label, url, user in pages:
                cookie = cookies[user.pk]
                for _ in range(workers * threads):  # every thread has its connection and templates
                    opened(base, url, cookie)
                figures_changed()  # nothing kept from here on: the first of them computes
                waits = together(base, url, cookie, users)
                measured.append({"page": label, "url": url, "users": users,
                                 "statuses": sorted({status for _, status in waits}),
                                 "ms": [round(ms, 1) for ms, _ in waits],
                                 "slowest_ms": round(max(ms for ms, _ in waits), 1)})
    return {"pages": measured, "target_ms": TARGET_MS,
            "gunicorn": f"{workers} workers x {threads} threads", "settings": "DEBUG off, figures kept"}


def opened(base: str, url: str, cookie: str) -> tuple[float, int]:
    """GET `url` as the session `cookie`, on a new connection: (milliseconds, HTTP status; 0 if it failed)."""
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
    start = time.perf_counter()
    try:  # as behind the TLS-terminating proxy production runs behind (SECURE_PROXY_SSL_HEADER)
        connection.request("GET", url, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
                                                "X-Forwarded-Proto": "https", "Connection": "close"})
        response = connection.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        status = 0
    finally:
        connection.close()
    return (time.perf_counter() - start) * 1000, status


def together(base: str, url: str, cookie: str, users: int) -> list[tuple[float, int]]:
    """`users` GETs of `url` leaving at the same moment; each one's (milliseconds, status)."""
    start = threading.Barrier(users)
    waits: list[tuple[float, int]] = [(0.0, 0)] * users

    def one(number: int) -> None:
        start.wait()
        waits[number] = opened(base, url, cookie)

    workers = [threading.Thread(target=one, args=(number,)) for number in range(users)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return waits
