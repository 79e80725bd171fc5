"""Every scheduled job, in one list: Celery beat's rows (django-celery-beat, editable in the admin).

Each job asks "what is due up to now and not yet done", so the time of day only decides when the
work happens. `schedules_install` runs after every `migrate`: it adds a job that is missing and
points each job at its task's current name (a task renamed by a move keeps its schedule); the
timing, the enabled flag and the arguments stay as the admin left them.
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    description: str
    minute: str = "0"
    hour: str = "*"
    day_of_week: str = "*"
    every_minutes: int | None = None  # an interval job instead of a crontab


SCHEDULES = [
    Schedule("Settle promises to pay", "work.tasks.promises_settle_nightly",
             "Kept, partially kept or broken, from the cash applied up to the promised date.", hour="1"),
    Schedule("Nightly AR snapshot", "reporting.ar_snapshot_nightly",
             "Stores each customer's AR by aging bucket for the day that ended (and any day missed).",
             minute="15", hour="1"),
    Schedule("Retake stale AR snapshots", "reporting.ar_snapshots_refresh",
             "Snapshots a ledger write dated on or before them changed (a back-dated payment or import) are "
             "retaken from the earliest date it touched; until then reports recompute those days.", every_minutes=10),
    Schedule("Build the daily queues", "work.tasks.queues_build_nightly",
             "Scores every account of every portfolio and stores today's list; safe to run twice.", hour="5"),
    Schedule("reminders: daily dunning run", "reminders.tasks.dunning_run_daily",
             "Every reminder due up to today and not yet sent, one message per customer.", hour="6"),
    Schedule("reminders: invoices not opened before due", "reminders.tasks.not_opened_check",
             "A task for the collector when an invoice's reminder was not opened shortly before its due date.",
             minute="30", hour="6"),
    Schedule("reminders: monthly statements when due", "reminders.tasks.statements_if_due",
             "The month's statements once its first business day has come, never twice.", hour="7"),
    Schedule("reminders: outbox sweep (requeue abandoned sends)", "reminders.tasks.outbox_recover",
             "Sends a worker claimed and never finished go back to the queue.", minute="*"),
    Schedule("Monday one-on-one summaries to managers", "team.tasks.weekly_digests_send",
             "Idempotent: at most one email per manager per week.", hour="7", day_of_week="1"),
    Schedule("Resume imports whose worker stopped", "erp.tasks.import_jobs_resume",
             "A running import with no progress for IMPORT_LEASE_SECONDS lost its worker (nothing was written); "
             "it is run again, at most IMPORT_MAX_ATTEMPTS times in all.", every_minutes=5),
    # --- payments ---
    Schedule("payments: sandbox clock (expiry, clearing)", "payments.tasks.sandbox_tick",
             "The embedded provider's time passing: open checkouts expire, pending SEPA/ACH test debits clear or "
             "fail. Does nothing with Stripe.", every_minutes=1),
    # --- end payments ---
    # --- autopay ---
    Schedule("autopay: plan and collect charges", "autopay.tasks.autopay_run",
             "Plans every open invoice of active autopay and collects each charge due up to today, once "
             "(a charge is claimed before the provider is asked, with the charge's own idempotency key).",
             minute="20"),
    Schedule("autopay: announcements and failure notices", "reminders.autopay_notices.autopay_notices_send",
             "Emails each charge's announcement AUTOPAY_NOTICE_DAYS before its day and each failed charge's "
             "notice, once (outbox keys).", every_minutes=10),
    # --- end autopay ---
    # --- cashapp ---
    # --- end cashapp ---
    # --- performance ---
    Schedule("Warm the morning's manager and finance pages", "team.tasks.morning_figures_warm",
             "After the dunning run: the dashboard, targets, forecast, DSO, KPIs, root causes and last week's "
             "one-on-ones computed and kept (REPORT_WARM_SECONDS), so the first visit of the day is fast.",
             minute="40", hour="6"),
    # --- end performance ---
    # --- html ---
    # --- end html ---
    # --- windows ---
    # --- end windows ---
    # --- ingest ---
    Schedule("inbox: poll the AR mailbox (IMAP)", "inbox.tasks.imap_poll_task",
             "Ingests the unseen messages of INBOUND_IMAP_URL (each once, by Message-ID; marked seen only once "
             "stored, flagged when one cannot be read); does nothing while INBOUND_IMAP_URL is empty.",
             every_minutes=max(1, settings.INBOUND_IMAP_POLL_SECONDS // 60)),
    # --- end ingest ---
    # --- reply ---
    # --- end reply ---
    # --- mapping ---
    # --- end mapping ---
    # --- family ---
    # --- end family ---
    # --- dupes ---
    # --- end dupes ---
    # --- forecast ---
    Schedule("Train the pay-date model and backtest the forecast", "reporting.pay_model_train_nightly",
             "Trains the learned pay-date model on the invoices closed up to yesterday, backtests it against the "
             "rule over the last 12 complete months and stores both (the dashboard's default method follows the "
             "lower error); then raises a queue task for each large invoice predicted to slip past month end.",
             minute="50", hour="1"),
    # --- end forecast ---
]


def schedules_install(**kwargs) -> None:
    """Make beat's table hold every job of SCHEDULES (a post_migrate receiver)."""
    for job in SCHEDULES:
        timing: dict = {}
        if job.every_minutes:
            timing["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=job.every_minutes, period=IntervalSchedule.MINUTES)
        else:
            timing["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=job.minute, hour=job.hour, day_of_week=job.day_of_week, day_of_month="*",
                month_of_year="*", timezone=settings.TIME_ZONE)
        task, created = PeriodicTask.objects.get_or_create(name=job.name, defaults={
            "task": job.task, "description": job.description, "enabled": True, "args": json.dumps([]), **timing})
        if not created and task.task != job.task:
            PeriodicTask.objects.filter(pk=task.pk).update(task=job.task)
