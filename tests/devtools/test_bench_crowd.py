"""The load test's simulated collectors (a plain-Python process of their own): what they request and
what they count as an error, against a stand-in server on a loopback port."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devtools.benchmarks import crowd


class _StandIn(BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802 (the http.server API)
        self.seen.append((self.path, self.headers.get("Cookie"), self.headers.get("X-Forwarded-Proto")))
        if self.path == "/accounts/2/":
            self.send_response(302)
            self.send_header("Location", "/login/?next=/accounts/2/")
        elif self.path == "/accounts/3/":
            self.send_response(500)
        else:
            self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def stand_in():
    _StandIn.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_each_collector_alternates_queue_and_one_of_their_accounts_with_their_own_session(stand_in):
    records = crowd.run({"base": stand_in, "cookie_name": "sessionid", "seconds": 0.3, "think": [0, 0], "ramp": 0,
                         "users": [{"cookie": "alice", "accounts": [1]}, {"cookie": "bob", "accounts": [4]}]})

    assert records and all(record["error"] is None for record in records)
    assert {record["page"] for record in records} == {"queue", "accounts"}
    assert {(path, cookie) for path, cookie, _ in _StandIn.seen} == {
        ("/queue/", "sessionid=alice"), ("/accounts/1/", "sessionid=alice"),
        ("/queue/", "sessionid=bob"), ("/accounts/4/", "sessionid=bob")}
    assert {proto for *_, proto in _StandIn.seen} == {"https"}
    assert all(record["ms"] >= 0 and record["at"] >= 0 for record in records)


def test_a_redirect_to_login_a_server_error_and_a_refused_connection_are_errors(stand_in):
    records = crowd.run({"base": stand_in, "cookie_name": "sessionid", "seconds": 0.2, "think": [0, 0], "ramp": 0,
                         "users": [{"cookie": "expired", "accounts": [2]}, {"cookie": "x", "accounts": [3]}]})
    errors = {record["error"] for record in records if record["page"] == "accounts"}
    assert errors == {"sent to the login page", "HTTP 500"}

    refused = crowd.run({"base": "http://127.0.0.1:9", "cookie_name": "sessionid", "seconds": 0.05, "think": [0, 0],
                         "ramp": 0, "users": [{"cookie": "x", "accounts": []}]})
    assert refused and all(record["error"] for record in refused)


def test_arrivals_are_spread_over_the_ramp_and_pauses_are_taken(stand_in):
    records = crowd.run({"base": stand_in, "cookie_name": "sessionid", "seconds": 0.4, "think": [0.3, 0.3],
                         "ramp": 0.2, "seed": 3, "users": [{"cookie": f"u{n}", "accounts": [1]} for n in range(6)]})
    first_arrivals = sorted({record["at"] for record in records})[:6]
    assert first_arrivals[-1] - first_arrivals[0] > 0.01  # not all at once
    assert len(records) <= 6 * 3  # 0.6 s at most, a page then 0.3 s of reading
