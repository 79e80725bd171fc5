"""A statement file's life: queued by an upload, running, then done with its figures or failed
with its errors. The upload page polls these fields; a background task moves them."""

import hashlib
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from banking.models import StatementFile
from banking.parsers.records import errors_text


def statement_file_queue(*, data: bytes, filename: str, by: User | None = None) -> tuple[StatementFile, bool]:
    """The file row for these bytes, and whether it is new. The same bytes uploaded again get the
    first upload's row back (its result, or its progress if it is still running), never a second."""
    sha256 = hashlib.sha256(data).hexdigest()
    existing = StatementFile.objects.filter(sha256=sha256).first()
    if existing is not None:
        if existing.status == StatementFile.Status.FAILED:
            # A failed file wrote nothing; uploading it again is a fresh try.
            StatementFile.objects.filter(pk=existing.pk).update(
                status=StatementFile.Status.QUEUED, progress=0, error="", errors=[], finished_at=None)
            existing.refresh_from_db()
            return existing, True
        return existing, False
    try:
        with transaction.atomic():
            file = StatementFile.objects.create(sha256=sha256, filename=filename[:255], content=data, created_by=by)
            return file, True
    except IntegrityError:
        return StatementFile.objects.get(sha256=sha256), False


def statement_file_progress(file: StatementFile, percent: int) -> None:
    """Written at once (outside any caller's transaction it is visible only after commit: call it
    from a task's own steps, not from inside one atomic block, for the page to see it move)."""
    percent = max(0, min(100, int(percent)))
    StatementFile.objects.filter(pk=file.pk).update(progress=percent)
    file.progress = percent


def statement_file_finish(file: StatementFile, *, result: dict[str, Any]) -> None:
    file.status = StatementFile.Status.DONE
    file.progress = 100
    file.result = result
    file.error = ""
    file.errors = []
    file.finished_at = timezone.now()
    file.save(update_fields=["status", "progress", "result", "error", "errors", "finished_at", "lines_total", "format"])


def statement_file_fail(file: StatementFile, errors: list[dict[str, Any]]) -> None:
    """Kept outside the import's transaction, which rolled back: the failure itself must stay."""
    file.status = StatementFile.Status.FAILED
    file.errors = errors[:200]
    file.error = errors_text(errors)
    file.finished_at = timezone.now()
    StatementFile.objects.filter(pk=file.pk).update(status=file.status, errors=file.errors, error=file.error,
                                                     finished_at=file.finished_at)
