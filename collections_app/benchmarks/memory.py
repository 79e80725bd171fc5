"""Peak memory of a process that renders statements: a fresh `manage.py bench --statement-worker N`
renders N statement PDFs and reports its own ru_maxrss."""

import json
import resource
import subprocess
import sys
from datetime import date

from django.conf import settings

from reminders.benchmarks import statement_render_rate

from .processes import child_env


def render_and_measure(sample: int, as_of: date | None = None) -> dict:
    """Render `sample` statements in this process; figures plus this process's peak resident memory."""
    figures = statement_render_rate(sample, as_of)
    return {**figures, "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def statement_worker_memory(sample: int, timeout: int = 600) -> dict:
    """Run a separate worker process rendering `sample` statements; its peak memory in MiB."""
    env = child_env()
    if env is None:
        return {"skipped": "a worker process cannot see this database (in memory, or in an open transaction)"}
    done = subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), "bench", "--statement-worker",
                           str(sample)], env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        return {"skipped": f"the worker failed: {(done.stderr.strip().splitlines() or ['no output'])[-1]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])
