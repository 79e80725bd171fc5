"""The embedded mode signs portal links with a key of its own, made once per install, never a
published one; web, worker and beat starting together agree on it."""

import os
import stat
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from collections_app.settings import install_secret_key

ROOT = Path(__file__).resolve().parent.parent.parent


def test_first_start_makes_a_private_key_and_later_starts_reuse_it(tmp_path):
    path = tmp_path / "secret_key"
    key = install_secret_key(path)
    assert len(key) >= 50 and "embedded-mode-only" not in key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert install_secret_key(path) == key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no temporary file left behind


def test_two_installs_get_different_keys(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    assert install_secret_key(tmp_path / "a" / "secret_key") != install_secret_key(tmp_path / "b" / "secret_key")


def test_processes_starting_at_once_all_read_the_same_key(tmp_path):
    path = tmp_path / "secret_key"
    with ProcessPoolExecutor(max_workers=6) as pool:
        keys = set(pool.map(install_secret_key, [path] * 24))
    assert keys == {path.read_text().strip()}


def test_an_empty_key_file_is_refused_loudly(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("")
    with pytest.raises(ImproperlyConfigured, match="no usable secret key"):
        install_secret_key(path)


def test_settings_without_secret_key_use_the_installs_key(tmp_path):
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(DEBUG="1", VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="collections_app.settings")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (tmp_path / "secret_key").read_text().strip()
