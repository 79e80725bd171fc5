from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportJob(models.Model):
    """One upload of ERP files (customers, invoices, payments, credit notes), all or nothing."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Imported"
        REJECTED = "rejected", "Rejected: nothing written"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    files = models.JSONField(default=dict, help_text="kind → stored file path")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=60, blank=True)
    errors = models.JSONField(default=list, help_text="[{file, row, column, reason}]")
    summary = models.JSONField(default=dict, help_text="kind → {created, updated, unchanged}")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker claims the job and at every progress step: a running job whose heartbeat is
    # older than IMPORT_LEASE_SECONDS lost its worker, and is claimed again (`attempts` counts them).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "collections_app_importjob"  # kept from the app it was created in
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0
