"""Celery entry point of the statement upload page: takes the file's id, calls the job; safe to run twice."""

from celery import shared_task

from cashapp.imports import statement_file_run


@shared_task
def statement_file_import_task(file_id: int) -> str | None:
    file = statement_file_run(file_id=file_id)
    return file.status if file else None
