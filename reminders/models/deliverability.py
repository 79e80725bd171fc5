"""The suppression list: addresses no automatic or manual mail is sent to any more."""

from django.db import models
from django.utils import timezone


class Suppression(models.Model):
    """An address that hard-bounced, complained (marked our mail as spam) or was suppressed by hand.
    Checked before every send; the row is kept (lifting it is a deliberate act in the admin)."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        COMPLAINT = "complaint", "Complaint (marked as spam)"
        MANUAL = "manual", "Suppressed by hand"

    # Stored lower-cased: one row per address, whatever the case it was written in.
    address = models.EmailField(unique=True)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    # Where we learned it: "dsn", "webhook", "arf", "admin" …
    source = models.CharField(max_length=40, blank=True)
    detail = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.address} ({self.get_reason_display()})"
