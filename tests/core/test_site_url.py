"""Customer links follow the address the server listens on unless SITE_URL says otherwise, in every
process: `make run PORT=…` hands the web server's address to the worker and beat too."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def site_url(tmp_path, **env) -> subprocess.CompletedProcess:
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    return subprocess.run(
        [sys.executable, "-c", "from collections_app import settings; print(settings.SITE_URL)"],
        cwd=ROOT, env={**base, "VAR_DIR": str(tmp_path), **env}, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize("env, expected", [
    ({"PORT": "8301"}, "http://127.0.0.1:8301"),
    ({"PORT": "8301", "SITE_URL": ""}, "http://127.0.0.1:8301"),
    ({"PORT": "8301", "SITE_URL": "https://ar.example.com/"}, "https://ar.example.com"),
    ({}, "http://127.0.0.1:8000"),
])
def test_site_url_follows_the_port_unless_set(tmp_path, env, expected):
    result = site_url(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize("env", [{"PORT": "eighty"}, {"SITE_URL": "ar.example.com"}])
def test_a_bad_port_or_site_url_stops_the_start(tmp_path, env):
    result = site_url(tmp_path, **env)
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr


def make_site_url(tmp_path, *args, **env) -> str:
    """SITE_URL as the processes `make` starts see it (the recipe prints its environment's)."""
    probe = tmp_path / "probe.mk"
    probe.write_text('print-site-url: ; @echo "$$SITE_URL"\n')
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    result = subprocess.run(["make", "-s", "-f", "Makefile", "-f", str(probe), "print-site-url", *args],
                            cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_make_hands_the_web_servers_address_to_every_process(tmp_path):
    assert make_site_url(tmp_path, "PORT=8301") == "http://127.0.0.1:8301"
    assert make_site_url(tmp_path) == "http://127.0.0.1:8000"
    assert make_site_url(tmp_path, "PORT=8301", SITE_URL="https://ar.example.com") == "https://ar.example.com"
