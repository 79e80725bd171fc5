"""`make` lists the targets, `make run` sets up before it starts the three processes."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make(*args) -> str:
    result = subprocess.run(["make", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_without_a_target_lists_the_targets():
    out = make("-s")
    for target in ("run", "test", "install", "demo", "check", "lint"):
        assert f"make {target} " in out


def test_make_run_migrates_seeds_once_prints_logins_then_starts_honcho():
    steps = make("-n", "-W", "pyproject.toml", "run", "PORT=8123").splitlines()
    order = [
        next(i for i, line in enumerate(steps) if needle in line)
        for needle in ("manage.py migrate", "seed_demo --size small --if-empty", "demo_logins", "honcho start")
    ]
    assert order == sorted(order)
    assert "http://127.0.0.1:8123/" in "\n".join(steps)
    assert "-p 8123" in steps[order[-1]]


def test_procfile_starts_web_worker_and_one_beat():
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line and not line.startswith("#")
    )
    assert set(processes) == {"web", "worker", "messages", "beat"}
    assert "gunicorn collections_app.wsgi" in processes["web"] and "$PORT" in processes["web"]
    assert "celery -A collections_app worker" in processes["worker"]
    assert "-Q messages" in processes["messages"]  # sends never wait behind a statement run
    assert "celery -A collections_app beat" in processes["beat"]
