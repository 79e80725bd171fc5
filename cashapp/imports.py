"""The upload page's background job: a statement file kept on its `StatementFile` row, imported and
matched once by a worker, with its progress and outcome on that row for the page to poll.

The same bytes uploaded again find the first row by their sha256 and queue nothing ("already
imported, nothing added"); a file whose import failed may be uploaded again and runs again
(banking.files keeps that rule). A file runs once at a time: a worker claims it by moving it from
queued to running, so a retried or duplicated task finds nothing to do.
"""

import logging
import time
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from banking.files import statement_file_queue
from banking.ingest import StatementError
from banking.models import StatementFile
from cashapp.services import statement_import_and_match

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 5000


@dataclass(frozen=True)
class Upload:
    file: StatementFile
    queued: bool  # False: these bytes were imported (or are being imported) already; nothing queued


def statement_upload(*, data: bytes, filename: str, format: str, by: User) -> Upload:
    """Keep an uploaded statement on a queued StatementFile row for a worker (`statement_file_run`).
    `format` is "auto" or a StatementFile.Format value: the format chosen on the page wins."""
    file, new = statement_file_queue(data=data, filename=filename, by=by)
    if new:
        fmt = "" if format == "auto" else format
        StatementFile.objects.filter(pk=file.pk).update(format=fmt, created_by=by)
        file.format, file.created_by = fmt, by
    return Upload(file, queued=new)


def statement_file_run(*, file_id: int) -> StatementFile | None:
    """Import and match a queued file, all or nothing, keeping its progress (0–100) and then its
    figures, or the per-line errors of a bad file, on the row. None when it was not queued (another
    worker has it, or it is done)."""
    claimed = StatementFile.objects.filter(pk=file_id, status=StatementFile.Status.QUEUED).update(
        status=StatementFile.Status.RUNNING, progress=0)
    if not claimed:
        return None
    file = StatementFile.objects.select_related("created_by").get(pk=file_id)

    def progress(percent: int) -> None:
        StatementFile.objects.filter(pk=file_id).update(progress=max(0, min(int(percent), 100)))

    started = time.monotonic()
    outcome: dict = {}
    try:
        result = statement_import_and_match(data=bytes(file.content), filename=file.filename,
                                            format=file.format or "auto", by=file.created_by, file=file,
                                            progress=progress)
    except StatementError as error:
        errors = list(error.errors)[:MAX_STORED_ERRORS]
        outcome.update(status=StatementFile.Status.FAILED, errors=errors,
                       error=f"{len(error.errors)} problem{'s' if len(error.errors) != 1 else ''} in the file; "
                             f"nothing was imported.")
    except Exception:
        logger.exception("Statement file %s failed", file_id)
        outcome.update(status=StatementFile.Status.FAILED,
                       error="The import failed on an unexpected error; nothing was imported.")
    else:
        # How long the import and matching took (not the wait for a worker): the figures' lines per second.
        result = {**result, "seconds": round(time.monotonic() - started, 3)}
        outcome.update(status=StatementFile.Status.DONE, progress=100, result=result, error="", errors=[])
    outcome["finished_at"] = timezone.now()
    StatementFile.objects.filter(pk=file_id).update(**outcome)
    file.refresh_from_db()
    return file
