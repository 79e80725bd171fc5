"""Late-payment fees and interest, proposed by the dunning pass and decided by a person.

A proposal becomes a charge on the ledger (an `Invoice` of type late_fee or interest, issued by
`ledger.services.charge_issue`) only when a collector or manager approves it; a waiver
keeps the proposal with who waived it and why, for the waiver report; a waiver above the asker's
approval limit is "asked" until another manager approves or rejects it. `key` makes proposing the
same charge twice a no-op.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.money import MONEY


class ChargeProposal(models.Model):
    class Kind(models.TextChoices):
        FEE = "fee", "Late-payment fee"
        INTEREST = "interest", "Late-payment interest"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "To approve"
        APPROVED = "approved", "Approved"
        WAIVED = "waived", "Waived"
        # A waiver above the asker's approval limit waits for a manager whose limit covers it
        # (four eyes: not the asker); approved it is waived, rejected it is to approve again.
        ASKED = "asked", "Waiver awaiting approval"

    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="charge_proposals")
    invoice = models.ForeignKey(
        "ledger.Invoice", on_delete=models.PROTECT, related_name="charge_proposals",
        help_text="The overdue invoice the charge arises from.",
    )
    step = models.ForeignKey(
        "reminders.DunningStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run = models.ForeignKey("reminders.DunningRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    # Interest: the days counted, from the day after (due date + grace) through period_end.
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    # How the amount was computed, for the approver and the customer: rate, day count, the overdue
    # amount per period between partial payments.
    basis = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    waive_reason = models.CharField(max_length=200, blank=True)
    # Who asked for a waiver above their limit, and when; kept once a manager decides it.
    waiver_asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    waiver_asked_at = models.DateTimeField(null=True, blank=True)
    charge = models.OneToOneField(
        "ledger.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="charge_proposal",
        help_text="The charge document issued on approval.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "customer"]), models.Index(fields=["customer", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="charge_proposal_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="waived") | ~Q(waive_reason=""), name="waiver_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="asked") | (~Q(waive_reason="") & Q(waiver_asked_by__isnull=False)),
                name="asked_waiver_has_reason_and_asker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on {self.invoice_id} ({self.get_status_display()})"
