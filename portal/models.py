"""What the portal keeps of its own: who may still use a link, and what customers asked for.

Disputes and promises made in the portal are ordinary `Dispute` / `PromiseToPay` rows (source
"portal"); the requests below have no home elsewhere, because nobody but the collector acts on them.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.money import MONEY


class PortalAccess(models.Model):
    """The current link version of a customer. Every portal link carries the version it was issued
    with; revoking bumps the version, so all links issued before stop working at once."""

    customer = models.OneToOneField(
        "ledger.Customer", on_delete=models.PROTECT, related_name="portal_access"
    )
    version = models.PositiveIntegerField(default=1)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField(max_length=200, blank=True)
    last_visit_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "portal access"

    def __str__(self) -> str:
        return f"Portal access {self.customer_id} v{self.version}"


class PortalRequest(models.Model):
    """Something the customer asked for that a collector has to act on."""

    class Kind(models.TextChoices):
        APPLY_CREDIT = "apply_credit", "Apply a credit to invoices"
        AUTOPAY = "autopay", "Set up automatic payment"
        AP_CONTACT = "ap_contact", "Update the accounts-payable contact"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DECLINED = "declined", "Declined"

    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="portal_requests")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=11, choices=Status.choices, default=Status.RECEIVED)
    credit_note = models.ForeignKey(
        "ledger.CreditNote", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invoices = models.ManyToManyField("ledger.Invoice", blank=True, related_name="portal_requests")
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    contact_name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queue_task = models.ForeignKey(
        "work.QueueTask", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gt=Decimal("0")),
                name="portal_request_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.customer_id}, {self.get_status_display()})"


class PortalFeedback(models.Model):
    """The customer's answer to "How was your experience with our collections team?"."""

    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="portal_feedback")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="portal_feedback_score_1_5"),
        ]

    def __str__(self) -> str:
        return f"Feedback {self.score}/5 ({self.customer_id})"
