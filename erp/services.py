"""Import jobs: an upload kept on disk, run once (inline or by a worker), with its outcome stored."""

import logging
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from erp.models import ImportJob, MappingProfile
from ledger.imports.detect import reads_as_ours
from ledger.imports.engine import ImportResult, import_files, import_rows
from ledger.imports.existing import chunks
from ledger.imports.mapped import PreviewFile, import_mapped, preview
from ledger.imports.mapping import Mapping
from ledger.imports.validation import FILE_NAMES
from work.discrepancies.services import discrepancies_scan_written, flags_summary  # (dupes)
from work.settlement import money_moved

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 20000


def import_folder(job_id: int) -> Path:
    return Path(settings.VAR_DIR) / "imports" / str(job_id)


def import_job_start(*, files: dict[str, UploadedFile], by: User, mapping: Mapping | None = None,
                     preview_first: bool = False) -> ImportJob:
    """A manager's upload is kept under VAR_DIR/imports/<job>/ and waits, queued, to be imported
    (or, to be previewed first, until `import_job_confirm`). `files` maps a kind (customers,
    invoices, payments, credits) to an uploaded file; `mapping` says how they are read."""
    status, stage = ((ImportJob.Status.PREVIEW, "Previewed; waiting to be imported") if preview_first
                     else (ImportJob.Status.QUEUED, "Waiting for a worker"))
    with transaction.atomic():
        job = ImportJob.objects.create(created_by=by, status=status, stage=stage,
                                       mapping=mapping.as_dict() if mapping is not None else {})
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


def _lost(now: datetime) -> Q:
    """Jobs whose worker is gone: running without a heartbeat for a lease, or queued that long
    (the task never reached a worker)."""
    stale = now - timedelta(seconds=settings.IMPORT_LEASE_SECONDS)
    return (Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=stale)
            | Q(status=ImportJob.Status.QUEUED, created_at__lt=stale))


def _settled(result: ImportResult) -> ImportResult:
    """Once the import has committed, the promises and plans on the invoices its cash reached settle."""
    for chunk in chunks(result.moved_invoice_ids):
        money_moved(invoice_ids=chunk)
    return import_discrepancies_flag(result)  # (dupes)


def erp_import_files(*, mapping: Mapping | None = None, **kwargs: Any) -> ImportResult:
    """Import the ERP's CSV exports (ledger.imports.engine.import_files), or its exports as they come
    (CSV or XLSX read through `mapping`: ledger.imports.mapped.import_mapped), then settle what their
    cash reached. Every door of the import (page, worker, command) comes through here."""
    if mapping is None and not all(reads_as_ours(kwargs.get(kind)) for kind in FILE_NAMES):
        mapping = Mapping()  # a workbook, or another encoding or delimiter: detected, our own columns
    if mapping is None:
        return _settled(import_files(**kwargs))
    return _settled(import_mapped(mapping=mapping, **kwargs))


# Our own files, as `import_files` reads them: UTF-8, ',', our columns.
NATIVE = Mapping(encoding="utf-8", delimiter=",")


def job_mapping(job: ImportJob) -> Mapping | None:
    return Mapping.from_dict(job.mapping) if job.mapping else None


def import_job_preview(job: ImportJob) -> list[PreviewFile]:
    """The first rows of the job's files as its import will read them (see ledger.imports.mapped)."""
    return preview(job.files, job_mapping(job) or NATIVE)


def mapping_profile_save(*, name: str, mapping: Mapping, by: User) -> MappingProfile:
    """A manager keeps the options of an upload under a name, to pick them for the next export of
    the same source (on the page or `import_ar --mapping NAME`)."""
    return MappingProfile.objects.create(name=name, kind=MappingProfile.ALL, options=mapping.as_dict(), created_by=by)


def import_job_confirm(*, job_id: int) -> ImportJob | None:
    """A previewed upload goes to the queue; None when it is not waiting for that (already imported)."""
    moved = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PREVIEW).update(
        status=ImportJob.Status.QUEUED, stage="Waiting for a worker", created_at=timezone.now())
    return ImportJob.objects.get(pk=job_id) if moved else None


def erp_import_rows(**kwargs: Any) -> ImportResult:
    """The same for rows sent to the REST API (ledger.imports.engine.import_rows)."""
    return _settled(import_rows(**kwargs))


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Import the job's files, all or nothing. A job runs once at a time: it is claimed by moving it
    from queued to running, so a retried or duplicated task finds nothing to do and returns None.
    A job whose worker died mid-import (nothing was written: one transaction) is claimed again once
    its heartbeat is a lease old, up to IMPORT_MAX_ATTEMPTS times; importing the same files twice
    changes nothing, so even a worker lost after its commit is harmless."""
    now = timezone.now()
    claimable = ImportJob.objects.filter(pk=job_id).filter(Q(status=ImportJob.Status.QUEUED) | _lost(now))
    claimed = claimable.filter(attempts__lt=settings.IMPORT_MAX_ATTEMPTS).update(
        status=ImportJob.Status.RUNNING, stage="Reading files", heartbeat_at=now, attempts=F("attempts") + 1,
    )
    if not claimed:
        given_up = claimable.filter(status=ImportJob.Status.RUNNING, attempts__gte=settings.IMPORT_MAX_ATTEMPTS)
        if given_up.update(status=ImportJob.Status.FAILED, finished_at=now,
                           stage=f"Worker lost {settings.IMPORT_MAX_ATTEMPTS} times; nothing written"[:60]):
            logger.error("Import %s given up after %s lost workers", job_id, settings.IMPORT_MAX_ATTEMPTS)
        return None
    job = ImportJob.objects.get(pk=job_id)

    def progress(stage: str, processed: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(stage=stage, processed_rows=processed, heartbeat_at=timezone.now())

    try:
        result = erp_import_files(**job.files, mapping=job_mapping(job), by=job.created_by, progress=progress)
    except Exception:
        logger.exception("Import %s failed", job_id)
        job.status, job.stage = ImportJob.Status.FAILED, "Failed on an unexpected error; nothing was written"
    else:
        job.errors = result.errors[:MAX_STORED_ERRORS]
        job.summary = result.summary
        if result.warnings:  # (dupes) the job page shows them under the summary
            job.summary = {**result.summary, "warnings": result.warnings}
        if result.read_with:  # what was detected, shown whether or not the files were accepted
            job.summary = {**job.summary, "read_with": result.read_with}
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


def import_jobs_lost() -> list[int]:
    """Ids of the jobs whose worker is gone (see `_lost`), for the sweep to hand to a worker again."""
    return list(ImportJob.objects.filter(_lost(timezone.now())).order_by("pk").values_list("pk", flat=True))


# --- dupes ---
def import_discrepancies_flag(result: ImportResult) -> ImportResult:
    """Once an import has committed, flag the possible duplicates and discrepancies among what it wrote
    (work.discrepancies: invoices, payments, credit notes against the whole book). They are warnings
    on the result, never a refusal: the import stands, and a collector checks each flag in the
    worklist. A dry run or a refused import wrote nothing, so nothing is scanned."""
    if not result.ok or result.dry_run or result.written_at is None:
        return result
    try:
        flags = discrepancies_scan_written(since=result.written_at)
    except Exception:  # the import has committed: say the check failed rather than report it as not written
        logger.exception("Duplicate check after an import failed")
        result.warnings.append("The check for possible duplicates failed (the error is logged); the import stands.")
        return result
    if flags:
        result.warnings.append(flags_summary(flags))
    return result
# --- end dupes ---
