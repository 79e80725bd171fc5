"""A possible duplicate or discrepancy on an account, flagged by `work.discrepancies.detect` and
decided by a collector: confirmed (a duplicate invoice then gets no reminder and the ERP is asked to
cancel it) or dismissed. `key` names what was found (the kind and the documents), so scanning the
same documents again never flags them twice, and a dismissed flag stays dismissed."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ledger.models import CreditNote, Customer, Invoice, Payment


class Discrepancy(models.Model):
    class Kind(models.TextChoices):
        DUPLICATE_INVOICE = "duplicate_invoice", "Possible duplicate invoice"
        DUPLICATE_PAYMENT = "duplicate_payment", "Payment recorded twice"
        CREDIT_EXCEEDS_INVOICE = "credit_exceeds_invoice", "Credit note larger than its invoice"
        TERMS_MISMATCH = "terms_mismatch", "Due date does not follow the terms"

    class Status(models.TextChoices):
        OPEN = "open", "To check"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"

    kind = models.CharField(max_length=22, choices=Kind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="discrepancies")
    # Duplicate invoice: `invoice` is the suspect (the later one), `other_invoice` the one it repeats.
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="discrepancies")
    other_invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="discrepancies")
    other_payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    credit_note = models.ForeignKey(CreditNote, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="discrepancies")
    detail = models.CharField(max_length=300, help_text="What was found, as the collector reads it.")
    confidence = models.PositiveSmallIntegerField(default=50, help_text="0–100: how sure the rule is.")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-confidence", "-created_at", "-pk"]
        verbose_name_plural = "discrepancies"
        indexes = [models.Index(fields=["status", "kind"]), models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.detail}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def task_key(self) -> str:
        """The queue task raised while the flag is open."""
        return f"discrepancy:{self.pk}"
