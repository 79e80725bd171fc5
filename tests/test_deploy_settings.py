"""The production stack: docker-compose.yml, the Dockerfile and Django's deployment checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def production_env(tmp_path, **extra) -> dict:
    """Only what a production process would have: nothing the test run itself set (e.g. the browser
    tests' DJANGO_ALLOW_ASYNC_UNSAFE) leaks into the check."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}
    env.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="workbench.example.com",
        VAR_DIR=str(tmp_path), **extra,
    )
    return env


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_compose_runs_web_worker_one_beat_postgres_and_redis(compose):
    services = compose["services"]
    assert set(services) >= {"web", "worker", "beat", "db", "redis", "migrate"}
    beats = [name for name, svc in services.items() if "beat" in " ".join(svc.get("command") or [])]
    assert beats == ["beat"], "exactly one service runs Celery beat"
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert services["worker"]["command"][:4] == ["celery", "-A", "collections_app", "worker"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"


def test_compose_services_have_health_checks_and_wait_for_them(compose):
    services = compose["services"]
    for name in ("db", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    for name in ("web", "worker", "beat", "migrate"):
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_reads_the_same_environment_as_make_run(compose):
    for name in ("web", "worker", "beat", "migrate"):
        env = compose["services"][name]["environment"]
        assert env["DEBUG"] == "0"
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        for key in ("SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER",
                    "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL"):
            assert key in env, (name, key)
    # The web health check must pass ALLOWED_HOSTS and the HTTPS redirect.
    assert "127.0.0.1" in compose["services"]["web"]["environment"]["ALLOWED_HOSTS"]
    assert "X-Forwarded-Proto" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_dockerfile_installs_the_project_and_collects_static_at_build():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim" in dockerfile
    assert "RUN pip install ." in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert '"gunicorn", "collections_app.wsgi"' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var"} <= set(ignored)


def test_deploy_check_is_clean_under_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_serves_hashed_compressed_static_files_from_collectstatic(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.STORAGES['staticfiles']['BACKEND'], s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "'whitenoise.middleware.WhiteNoiseMiddleware' in s.MIDDLEWARE)"
    )
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="collections_app.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["whitenoise.storage.CompressedManifestStaticFilesStorage", "True", "True", "True"]
