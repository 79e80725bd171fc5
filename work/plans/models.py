"""Payment plans: past-due invoices turned into dated installments the customer agreed to pay.

A plan changes no money: cash still reaches the invoices through `ledger.services`, and
`work.plans.services` settles the installments from what the plan's invoices received
since the plan started (oldest installment first), the way promises are settled. A renegotiated
plan is kept, ended, with a link to the plan that replaced it; nothing here is deleted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.money import MONEY, ZERO
from ledger.models import Customer, Invoice


class PaymentPlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "On track"
        BROKEN = "broken", "Broken (installment missed)"
        COMPLETED = "completed", "Completed"
        RENEGOTIATED = "renegotiated", "Renegotiated"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        COLLECTOR = "collector", "Collector"
        PORTAL = "portal", "Customer portal"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payment_plans")
    invoices = models.ManyToManyField(Invoice, related_name="payment_plans")
    total_amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.COLLECTOR)
    # Cash applied to the plan's invoices on or after this day counts towards the installments.
    starts_on = models.DateField(default=timezone.localdate)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by",
        help_text="The plan this one renegotiated.",
    )
    note = models.TextField(blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    activity = models.ForeignKey("work.Activity", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "collections_app_paymentplan"  # kept from the app it was created in
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "status"]), models.Index(fields=["status"])]
        constraints = [models.CheckConstraint(condition=Q(total_amount__gt=0), name="plan_total_positive")]

    def __str__(self) -> str:
        return f"Plan {self.total_amount} {self.currency} ({self.get_status_display()})"

    @property
    def is_live(self) -> bool:
        """Still being paid: on track, or broken but neither renegotiated nor cancelled."""
        return self.status in (self.Status.ACTIVE, self.Status.BROKEN)


class PlanInstallment(models.Model):
    """One dated expectation of a plan: kept (paid in full by the due date), late (paid in full
    after it), missed (not paid in full by the due date plus the plan grace), like a promise."""

    class Status(models.TextChoices):
        OPEN = "open", "Due"
        KEPT = "kept", "Kept"
        LATE = "late", "Paid late"
        MISSED = "missed", "Missed"
        CANCELLED = "cancelled", "Cancelled"

    plan = models.ForeignKey(PaymentPlan, on_delete=models.PROTECT, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount = models.DecimalField(**MONEY)
    amount_paid = models.DecimalField(**MONEY, default=ZERO)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.OPEN)
    settled_on = models.DateField(null=True, blank=True)
    missed_on = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "collections_app_planinstallment"  # kept from the app it was created in
        ordering = ["plan", "number"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_installment_per_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="installment_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Installment {self.number}: {self.amount} on {self.due_on} ({self.get_status_display()})"

    @property
    def remaining(self):
        return max(self.amount - self.amount_paid, ZERO)
