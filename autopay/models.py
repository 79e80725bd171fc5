"""Autopay: the customer's standing permission to charge a saved payment method, and each charge
it makes.

A `Mandate` is what the customer agreed to in the portal: which method (a card or a direct-debit
mandate saved at the provider, `payments.SavedMethod`), which day (each invoice's due date, or a
day of the month), and the authorization text they accepted. It starts in `setup` while the
customer is at the provider's page and becomes `active` when the provider reports the saved
method; a collector may pause it; the customer (or a collector) cancels it. A customer has at
most one live (active or paused) mandate.

An `AutopayCharge` is one invoice collected on one date: its `key` (`autopay:<invoice>:<date>`)
is the idempotency key of the payment request, so however often the daily pass runs, an invoice
is charged at most once for that date.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext

from core.money import MONEY


class Actor(models.TextChoices):
    CUSTOMER = "customer", "The customer (portal)"
    COLLECTOR = "collector", "A collector"
    SYSTEM = "system", "The system"


class Mandate(models.Model):
    class Status(models.TextChoices):
        SETUP = "setup", "Waiting for the payment method"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CANCELLED = "cancelled", "Cancelled"

    LIVE = (Status.ACTIVE, Status.PAUSED)

    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="autopay_mandates")
    method = models.ForeignKey("payments.SavedMethod", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="mandates", help_text="Set when the provider reports the saved method.")
    kind = models.CharField(max_length=16, help_text="The method kind the customer chose (card, sepa_debit, …).")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.SETUP)
    charge_on = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Day of the month (1–28) to collect on; empty: each invoice's due date.")
    # The evidence of the authorization: the exact text accepted, when and from where.
    authorization = models.TextField()
    accepted_at = models.DateTimeField()
    accepted_from = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_via = models.CharField(max_length=9, choices=Actor.choices, default=Actor.CUSTOMER)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    pause_reason = models.CharField(max_length=200, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_via = models.CharField(max_length=9, choices=Actor.choices, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(status__in=["active", "paused"]),
                                    name="autopay_one_live_mandate_per_customer"),
            models.CheckConstraint(condition=Q(charge_on__isnull=True) | Q(charge_on__gte=1, charge_on__lte=28),
                                   name="autopay_charge_on_day_1_28"),
            models.CheckConstraint(condition=Q(status="setup") | Q(status="cancelled") | Q(method__isnull=False),
                                   name="autopay_live_mandate_has_method"),
        ]

    def __str__(self) -> str:
        return f"Autopay {self.pk} of customer {self.customer_id} ({self.status})"

    @property
    def schedule_label(self) -> str:
        """How the customer reads the day, in the active language: "on each invoice's due date" / "on
        the 15th of the month, …"."""
        if self.charge_on is None:
            return gettext("on each invoice's due date")
        return gettext("on the %(day)s of the month, for invoices due by then") % {"day": ordinal(self.charge_on)}


def ordinal(day: int) -> str:
    """A day of the month as an ordinal in the active language: 15th, 1er, 15., 15e (Spanish: 15)."""
    language = (get_language() or "en")[:2]
    if language == "fr":
        return "1er" if day == 1 else str(day)
    if language == "de":
        return f"{day}."
    if language == "nl":
        return f"{day}e"
    if language == "es":
        return str(day)
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


class AutopayCharge(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        ANNOUNCED = "announced", "Announced"
        CHARGING = "charging", "Charging"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    # Charges still to come or in flight: at most one per invoice (a constraint), and they keep the
    # invoice out of dunning until they are done.
    LIVE = (Status.SCHEDULED, Status.ANNOUNCED, Status.CHARGING)
    WAITING = (Status.SCHEDULED, Status.ANNOUNCED)

    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="charges")
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="autopay_charges")
    charge_date = models.DateField()
    amount = models.DecimalField(**MONEY, help_text="What is collected; never more than was announced.")
    currency = models.CharField(max_length=3)
    key = models.CharField(max_length=120, unique=True, help_text="autopay:<invoice id>:<charge date>")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.SCHEDULED)
    request = models.ForeignKey("payments.PaymentRequest", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="autopay_charges")
    announced_at = models.DateTimeField(null=True, blank=True)
    charging_since = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    failure_told_at = models.DateTimeField(null=True, blank=True, help_text="When the customer was emailed.")
    skip_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["charge_date", "pk"]
        indexes = [models.Index(fields=["status", "charge_date"]), models.Index(fields=["mandate", "charge_date"])]
        constraints = [
            models.UniqueConstraint(fields=["invoice"], condition=Q(status__in=["scheduled", "announced", "charging"]),
                                    name="autopay_one_live_charge_per_invoice"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="autopay_charge_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"

    @staticmethod
    def key_for(invoice_id: int, charge_date) -> str:
        return f"autopay:{invoice_id}:{charge_date.isoformat()}"
