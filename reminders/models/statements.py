"""Monthly statements: one PDF per account (or family head) per month, never sent twice."""

from django.db import models
from django.utils import timezone

from core.money import MONEY


class StatementRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    month = models.DateField(unique=True, help_text="The first day of the statement month.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # Accounts whose statement could not be made (see StatementFailure): counted, so the run completes.
    failed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Statements {self.month:%Y-%m}"

    @property
    def percent(self) -> int:
        return int(100 * (self.done + self.skipped + self.failed) / self.total) if self.total else 100


class Statement(models.Model):
    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="statements")
    month = models.DateField()
    as_of = models.DateField(help_text="Open items as they stood at the end of this day.")
    run = models.ForeignKey(StatementRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements")
    pdf = models.FileField(upload_to="statements/%Y/%m/")
    total_open = models.DecimalField(**MONEY)
    message = models.ForeignKey(
        "reminders.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month", "customer"]
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="one_statement_per_month")]

    def __str__(self) -> str:
        return f"Statement {self.customer_id} {self.month:%Y-%m}"


class StatementFailure(models.Model):
    """An account whose statement could not be made in a run, and why: shown on the run, retried
    when the run is started again. One bad account never stops the others."""

    run = models.ForeignKey(StatementRun, on_delete=models.CASCADE, related_name="failures")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+")
    error = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run", "customer"]
        constraints = [models.UniqueConstraint(fields=["run", "customer"], name="one_statement_failure_per_run")]

    def __str__(self) -> str:
        return f"Statement of {self.customer_id} failed in {self.run_id}"
