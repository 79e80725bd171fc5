"""Import jobs: an upload kept on disk, run once (inline or by a worker), with its outcome stored."""

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from collections_app.models import ImportJob

from .engine import import_files
from .validation import FILE_NAMES

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 20000


def import_folder(job_id: int) -> Path:
    return Path(settings.VAR_DIR) / "imports" / str(job_id)


def import_job_start(*, files: dict, by) -> ImportJob:
    """A manager's upload is kept under VAR_DIR/imports/<job>/ and waits, queued, to be imported.
    `files` maps a kind (customers, invoices, payments, credits) to an uploaded file."""
    with transaction.atomic():
        job = ImportJob.objects.create(created_by=by, status=ImportJob.Status.QUEUED, stage="Waiting for a worker")
        folder = import_folder(job.pk)
        folder.mkdir(parents=True, exist_ok=True)
        stored, rows = {}, 0
        for kind, upload in files.items():
            path = folder / FILE_NAMES[kind]
            with path.open("wb") as target:
                for chunk in upload.chunks():
                    target.write(chunk)
                    rows += chunk.count(b"\n")
            stored[kind] = str(path)
        job.files = stored
        # Lines minus headers: good enough for a progress bar before the files are parsed.
        job.total_rows = max(rows - len(stored), 0)
        job.save(update_fields=["files", "total_rows"])
    return job


def import_job_size(job: ImportJob) -> int:
    return sum(Path(path).stat().st_size for path in job.files.values() if Path(path).exists())


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Import the job's files, all or nothing. A job runs once: it is claimed by moving it from
    queued to running, so a retried or duplicated task finds nothing to do and returns None."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, stage="Reading files"
    )
    if not claimed:
        return None
    job = ImportJob.objects.get(pk=job_id)

    def progress(stage: str, processed: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(stage=stage, processed_rows=processed)

    try:
        result = import_files(**job.files, by=job.created_by, progress=progress)
    except Exception:
        logger.exception("Import %s failed", job_id)
        job.status, job.stage = ImportJob.Status.FAILED, "Failed on an unexpected error; nothing was written"
    else:
        job.errors = result.errors[:MAX_STORED_ERRORS]
        job.summary = result.summary
        job.total_rows = result.rows or job.total_rows
        if result.ok:
            job.status, job.processed_rows = ImportJob.Status.DONE, result.rows
            job.stage = f"{result.rows:,} rows checked and imported"
        else:
            job.status = ImportJob.Status.REJECTED
            shown = "" if len(result.errors) <= MAX_STORED_ERRORS else f"; the first {MAX_STORED_ERRORS:,} are listed"
            job.stage = f"{len(result.errors):,} problem{'s' if len(result.errors) != 1 else ''} found{shown}"
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "stage", "errors", "summary", "total_rows", "processed_rows", "finished_at"])
    if job.status != ImportJob.Status.FAILED:  # a failed upload is kept to find out why
        shutil.rmtree(import_folder(job_id), ignore_errors=True)
    return job
