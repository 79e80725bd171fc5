"""The daily queue: one scored row per account per day, and the snoozes that keep an account off it."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.money import MONEY, ZERO
from ledger.models import Customer
from work.queue import scoring


class QueueEntry(models.Model):
    """An account on a collector's list for one day, with the reasons it is there and what to do.

    Rows are written by `work.queue.services.queue_build` (nightly and on demand); the
    collector completes one by logging what happened, or snoozes it."""

    class Status(models.TextChoices):
        OPEN = "open", "To do"
        DONE = "done", "Done"
        SNOOZED = "snoozed", "Snoozed"

    day = models.DateField()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="queue_entries")
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="queue_entries"
    )
    score = models.PositiveIntegerField(default=0)
    balance = models.DecimalField(**MONEY, default=ZERO)
    past_due = models.DecimalField(**MONEY, default=ZERO)
    # [{"signal": "promise_broken", "points": 1000, "text": "promise of $4,200 broken yesterday"}, …]
    reasons = models.JSONField(default=list)
    # The reasons' signals, space-separated with a space at each end (" promise_broken past_due "),
    # so the queue filters by reason kind with a plain `contains` on every database.
    signals = models.CharField(max_length=500, blank=True, default="")
    next_action = models.CharField(max_length=200)
    # The next level of the escalation matrix the queue proposes, if any: {"level": id, "name": …,
    # "contact": id or null, "contact_name": …, "why": …}
    escalation = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    activity = models.ForeignKey("work.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "collections_app_queueentry"  # kept from the app it was created in
        ordering = ["day", "-score", "customer_id"]
        verbose_name_plural = "queue entries"
        constraints = [models.UniqueConstraint(fields=["day", "customer"], name="one_queue_entry_per_account_day")]
        indexes = [models.Index(fields=["day", "collector", "status", "-score"])]

    def __str__(self) -> str:
        return f"{self.day} {self.customer_id} ({self.score})"

    @staticmethod
    def signals_of(reasons: list[dict]) -> str:
        return (" " + " ".join(dict.fromkeys(r["signal"] for r in reasons)) + " ")[:500] if reasons else ""

    @property
    def chips(self) -> list[dict]:
        """The reasons as short chips for the list row (the full sentence is its title)."""
        return [{"signal": r["signal"], "label": scoring.chip_of(r), "text": r["text"]} for r in self.reasons]


class Snooze(models.Model):
    """The collector put the account aside until a date, for a reason (e.g. "AP clerk back Monday")."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="snoozes")
    until = models.DateField(help_text="The account comes back on the queue on this day.")
    reason = models.CharField(max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "collections_app_snooze"  # kept from the app it was created in
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "until"])]

    def __str__(self) -> str:
        return f"{self.customer_id} snoozed until {self.until}"
