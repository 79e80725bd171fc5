"""Peak memory of a process that renders statements: a fresh `manage.py bench --statement-worker N`
renders N statement PDFs and reports its own peak resident memory.

On Linux the peak is the kernel's VmHWM of the process's own memory. `ru_maxrss` would not do: a
child started by fork/vfork + exec inherits its parent's high-water mark, so the worker reported the
bench process's peak (534 MiB after the reports and the import) instead of its own (~135 MiB)."""

import json
import resource
import subprocess
import sys
from datetime import date
from pathlib import Path

from django.conf import settings

from devtools.benchmarks.dunning import statement_render_rate
from devtools.benchmarks.processes import child_env


def peak_mib() -> float:
    """This process's peak resident memory in MiB (VmHWM where the kernel reports it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def peak_reset() -> bool:
    """Start this process's peak resident memory afresh (Linux: writing 5 to /proc/self/clear_refs
    sets VmHWM back to the current resident size), so that the next `peak_mib` is one step's own peak
    and not an earlier step's. False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def resident_mib() -> float | None:
    """This process's resident memory now, in MiB (VmRSS), or None where the kernel does not say."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    return None


def render_and_measure(sample: int, as_of: date | None = None) -> dict:
    """Render `sample` statements in this process; figures plus this process's peak resident memory,
    before rendering (Django and the libraries loaded) and after."""
    before = peak_mib()
    figures = statement_render_rate(sample, as_of)
    return {**figures, "peak_mib": peak_mib(), "before_rendering_mib": before}


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
