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
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Statements {self.month:%Y-%m}"

    @property
    def percent(self) -> int:
        return int(100 * (self.done + self.skipped) / self.total) if self.total else 100


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
