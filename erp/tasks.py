"""Celery entry points for big uploads: take the job id, call the service, safe to run twice."""

from celery import shared_task

from erp.services import import_job_run, import_jobs_lost


# acks_late + reject_on_worker_lost: a worker killed mid-import hands the message back to the broker,
# and the job is claimed again once its lease is over (the sweep below does it sooner or later anyway).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_job_run_task(job_id: int) -> str | None:
    job = import_job_run(job_id=job_id)
    return job.status if job else None


@shared_task
def import_jobs_resume() -> list[int]:
    """Every few minutes: jobs whose worker died (or whose task never reached one) go to a worker
    again. Returns their ids."""
    lost = import_jobs_lost()
    for job_id in lost:
        import_job_run_task.delay(job_id)
    return lost
