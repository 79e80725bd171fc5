"""Celery entry point for big uploads: takes the job id, calls the service, safe to run twice."""

from celery import shared_task

from .services import import_job_run


@shared_task
def import_job_run_task(job_id: int) -> str | None:
    job = import_job_run(job_id=job_id)
    return job.status if job else None
