"""One computation of a figure serves everyone who asked for it meanwhile.

Three finance users opening the forecast at once used to compute it three times side by side on
two cores (16.7, 22.5 and 23.6 s instead of ~7 s each, issue 18). `single_flight(key)` lets the
first caller compute; the others wait for its lock and then read what it kept. Waiting is bounded
(`LOCK_WAIT_SECONDS`): past it a caller computes on its own rather than fail; a lock whose holder
died expires (`LOCK_SECONDS` on Redis; a file lock goes with its process).

The lock is where the kept figures are: a Redis lock when the cache is Redis (every web process
and worker, on any machine), else an `flock` on a file under VAR_DIR (the embedded setup: one
machine, the file-based cache). A thread that already holds a lock for an outer figure does not
wait on itself when an inner figure maps to the same lock file.
"""

import fcntl
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache

LOCK_SECONDS = 600  # a Redis lock outlives no computation that long (its holder died)
LOCK_WAIT_SECONDS = 60  # longer than any figure takes on a large book, so waiting beats computing
POLL_SECONDS = 0.02  # how often a waiter looks again (redis-py's lock would wait 0.1 s between tries)
STRIPES = 256  # lock files: a fixed set, so keys that change with every ledger write leave no litter

_held: ContextVar[frozenset[int]] = ContextVar("single_flight_held", default=frozenset())


@contextmanager
def single_flight(key: str) -> Iterator[bool]:
    """Hold `key`'s lock for the block. Yields True when it was free (compute), False when someone
    else held it and this caller waited (read the cache first: it is probably there now)."""
    if isinstance(cache, RedisCache):
        with _redis_lock(key) as first:
            yield first
    else:
        with _file_lock(key) as first:
            yield first


@contextmanager
def _redis_lock(key: str) -> Iterator[bool]:
    client = cache._cache.get_client(key, write=True)  # type: ignore[attr-defined]  # RedisCache's redis-py client
    lock = client.lock(cache.make_key(f"flight:{key}"), timeout=LOCK_SECONDS, sleep=POLL_SECONDS)
    first = lock.acquire(blocking=False)
    acquired = first or lock.acquire(blocking=True, blocking_timeout=LOCK_WAIT_SECONDS)
    try:
        yield first
    finally:
        if acquired:
            try:
                lock.release()
            except Exception:  # noqa: BLE001  the lock expired under a very long computation: nothing to free
                pass


@contextmanager
def _file_lock(key: str) -> Iterator[bool]:
    stripe = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % STRIPES
    held = _held.get()
    if stripe in held:  # an outer figure of this thread holds this file already
        yield True
        return
    folder = Path(settings.VAR_DIR) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"report-{stripe:03d}.lock", "a+b") as handle:
        first = _try_lock(handle)
        acquired = first
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while not acquired and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            acquired = _try_lock(handle)
        token = _held.set(held | {stripe})
        try:
            yield first
        finally:
            _held.reset(token)
            if acquired:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _try_lock(handle: BinaryIO) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
