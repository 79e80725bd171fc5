"""The simulated collectors of the load test, in a process of their own (as locust would be), so the
clients' Python never shares an interpreter lock with the process that times them or with the server.

Run as `python -m devtools.benchmarks.crowd` with a JSON plan on stdin; prints one JSON line:
every request's page, start (seconds from the first arrival), milliseconds and error (or null).
Only the standard library: this process imports no Django.

The plan: {"base": "http://127.0.0.1:PORT", "cookie_name": "sessionid",
           "users": [{"cookie": "...", "accounts": [1, 2, ...]}, ...],
           "seconds": 60, "think": [2, 8], "ramp": 8, "seed": 0}

A user arrives at a moment drawn uniformly within the first `ramp` seconds (locust's spawn rate:
fifty collectors do not press Enter in the same millisecond), then opens their queue, then one of their
accounts, and so on until `seconds` after the first arrival, reading each page for a pause drawn
uniformly within `think` ((0, 0): no pause, a saturation test)."""

import http.client
import json
import random
import sys
import threading
import time
from urllib.parse import urlsplit


def _get(host: str, port: int, path: str, headers: dict) -> str | None:
    """GET `path` on a new connection (as a browser tab after minutes of reading would); the error or None."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            location = response.getheader("Location") or ""
            return "sent to the login page" if "/login/" in location else f"HTTP {response.status}"
        return None
    except (OSError, http.client.HTTPException) as problem:
        return f"{type(problem).__name__}: {problem}"
    finally:
        connection.close()


def run(plan: dict) -> list[dict]:
    base = urlsplit(plan["base"])
    low, high = plan.get("think", (0, 0))
    ramp = float(plan.get("ramp", 0))
    seconds = float(plan["seconds"])
    results: list[dict] = []
    lock = threading.Lock()
    origin = time.monotonic()
    deadline = origin + ramp + seconds

    def collector(number: int, user: dict) -> None:
        rnd = random.Random(plan.get("seed", 0) * 1000 + number)
        time.sleep(rnd.uniform(0, ramp))
        # As behind the TLS-terminating proxy production runs behind (SECURE_PROXY_SSL_HEADER).
        headers = {"Cookie": f"{plan['cookie_name']}={user['cookie']}", "X-Forwarded-Proto": "https",
                   "Connection": "close"}
        accounts = user["accounts"]
        while time.monotonic() < deadline:
            for page in ("queue", "accounts"):
                path = f"/accounts/{rnd.choice(accounts)}/" if page == "accounts" and accounts else "/queue/"
                start = time.monotonic()
                error = _get(base.hostname, base.port, path, headers)
                elapsed = (time.monotonic() - start) * 1000
                with lock:
                    results.append({"page": path.split("/")[1], "at": round(start - origin, 3),
                                    "ms": round(elapsed, 2), "error": error})
                if high:
                    time.sleep(min(rnd.uniform(low, high), max(deadline - time.monotonic(), 0)))
                if time.monotonic() >= deadline:
                    return

    crowd = [threading.Thread(target=collector, args=(n, user), daemon=True) for n, user in enumerate(plan["users"])]
    for thread in crowd:
        thread.start()
    for thread in crowd:
        thread.join()
    return results


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run(json.loads(sys.stdin.read()))) + "\n")
