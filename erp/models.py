from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from ledger.imports.mapping import Mapping, MappingError
from ledger.imports.validation import KINDS


class ImportJob(models.Model):
    """One upload of ERP files (customers, invoices, payments, credit notes), all or nothing."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Previewed, not imported"
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
    # How the files are read (ledger.imports.mapping.Mapping options); empty: our own CSV columns.
    mapping = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "collections_app_importjob"  # kept from the app it was created in
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0


class MappingProfile(models.Model):
    """How one source's exports are read: their columns, date format, separators, signs, currency,
    encoding, delimiter, sheet (the options of ledger.imports.mapping.Mapping). Picked on the upload
    page and by `import_ar --mapping NAME`."""

    ALL = "all"
    KIND_CHOICES = [(ALL, "Every file"), *((kind, kind) for kind in KINDS)]

    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=KIND_CHOICES, default=ALL,
                            help_text="the file its column map is for (a column map of every file may name "
                                      "'invoices.amount')")
    options = models.JSONField(default=dict, help_text="the Mapping's options: columns, date_format, decimal, "
                                                       "thousands, parentheses, sign, default_currency, encoding, "
                                                       "delimiter, sheet, create_customers")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        try:
            self.mapping()
        except MappingError as problem:
            raise ValidationError({"options": problem.problems}) from None

    def mapping(self) -> Mapping:
        """The profile's Mapping; a profile of one file maps that file's columns."""
        options = dict(self.options or {})
        if self.kind != self.ALL and isinstance(options.get("columns"), dict):
            options["columns"] = {key if "." in key else f"{self.kind}.{key}": column
                                  for key, column in options["columns"].items()}
        return Mapping.from_dict(options)
