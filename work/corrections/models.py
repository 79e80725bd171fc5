"""Corrections of the ledger made by hand: a manager reverses a payment (a bounced cheque, a payment
keyed twice), writes off (part of) an open invoice, voids an invoice raised in error; a collector or
manager resolves a dispute with a credit.

Each is one `LedgerCorrection` row, whatever becomes of it. Within the asker's limit
(`work.corrections.limits`: per role, in the base currency) it is executed at once; above it, it is a
request that a second manager or admin approves (and it is executed then) or rejects. The money
itself moves only through `ledger.services`; a rejected request stays here as history.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.money import MONEY
from ledger.models import Customer, Invoice, Payment, WriteOff


class LedgerCorrection(models.Model):
    class Kind(models.TextChoices):
        PAYMENT_REVERSAL = "payment_reversal", "Payment reversal"
        WRITE_OFF = "write_off", "Write-off"
        INVOICE_VOID = "invoice_void", "Invoice void"
        DISPUTE_CREDIT = "dispute_credit", "Dispute credit"

    class Status(models.TextChoices):
        # Approving executes in the same transaction, so there is no "approved but not done" state:
        # an approval the ledger refuses (the invoice was paid meanwhile) writes nothing.
        REQUESTED = "requested", "Waiting for approval"
        REJECTED = "rejected", "Rejected"
        EXECUTED = "executed", "Executed"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="ledger_corrections",
                                 db_index=False)  # indexed by (customer, requested_at) below
    kind = models.CharField(max_length=16, choices=Kind.choices)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    # A dispute credit names its dispute (and, for the lists, the oldest disputed invoice still open).
    dispute = models.ForeignKey("work.Dispute", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="credit_requests")
    # The amount the correction moves, in the document's currency: the payment's amount for a
    # reversal, the invoice's amount for a void, the amount written off or credited.
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    # The same in the base currency at the document's date, as the threshold saw it; empty when the
    # currency had no FX rate (such a correction always waits for approval).
    amount_base = models.DecimalField(**MONEY, null=True, blank=True)
    approval_required = models.BooleanField()
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=9, choices=Status.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # Who approved or rejected the request, when and why (never the one who asked).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=200, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    write_off = models.OneToOneField(
        WriteOff, null=True, blank=True, on_delete=models.PROTECT, related_name="correction"
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-requested_at"], name="correction_customer_requested"),
            models.Index(fields=["requested_at"], condition=Q(status="requested"), name="correction_pending"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="correction_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="correction_has_reason"),
            models.CheckConstraint(
                condition=Q(kind="payment_reversal", payment__isnull=False, invoice__isnull=True, dispute__isnull=True)
                | Q(kind__in=["write_off", "invoice_void"], payment__isnull=True, invoice__isnull=False,
                    dispute__isnull=True)
                | Q(kind="dispute_credit", payment__isnull=True, dispute__isnull=False),
                name="correction_names_its_document",
            ),
            # Four eyes: whoever approves or rejects a request is not the person who asked.
            models.CheckConstraint(condition=~Q(decided_by=F("requested_by")), name="correction_four_eyes"),
            models.CheckConstraint(
                condition=(
                    Q(status="requested", approval_required=True, decided_by__isnull=True, decided_at__isnull=True,
                      executed_at__isnull=True)
                    | (Q(status="rejected", approval_required=True, decided_by__isnull=False,
                         decided_at__isnull=False, executed_at__isnull=True) & ~Q(decision_reason=""))
                    | Q(status="executed", approval_required=False, decided_by__isnull=True,
                        executed_at__isnull=False)
                    | (Q(status="executed", approval_required=True, decided_by__isnull=False,
                         decided_at__isnull=False, executed_at__isnull=False) & ~Q(decision_reason=""))
                ),
                name="correction_status_consistent",
            ),
            # A payment is reversed once, an invoice voided once: one live or done request each.
            models.UniqueConstraint(fields=["payment"], condition=Q(status__in=["requested", "executed"]),
                                    name="one_reversal_per_payment"),
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(kind="invoice_void", status__in=["requested", "executed"]),
                name="one_void_per_invoice",
            ),
            # A dispute is credited once: one credit waiting or done.
            models.UniqueConstraint(
                fields=["dispute"], condition=Q(kind="dispute_credit", status__in=["requested", "executed"]),
                name="one_credit_per_dispute",
            ),
        ]

    def __str__(self) -> str:
        document = {self.Kind.PAYMENT_REVERSAL: self.payment, self.Kind.DISPUTE_CREDIT: self.dispute}.get(
            self.kind, self.invoice)
        return f"{self.get_kind_display()} {document} {self.amount} {self.currency} ({self.get_status_display()})"

    @property
    def what(self) -> str:
        """The correction in the collector's words, e.g. "write off 250.00 USD on invoice INV-7"."""
        money = f"{self.amount:,.2f} {self.currency}"
        if self.kind == self.Kind.PAYMENT_REVERSAL:
            return f"reverse payment {self.payment} ({money})"
        if self.kind == self.Kind.WRITE_OFF:
            return f"write off {money} on invoice {self.invoice}"
        if self.kind == self.Kind.DISPUTE_CREDIT:
            return f"credit {money} to resolve dispute {self.dispute_id}"
        return f"void invoice {self.invoice} ({money})"

    @property
    def done(self) -> str:
        """What the executed correction did, e.g. "250.00 USD written off on invoice INV-7"."""
        money = f"{self.amount:,.2f} {self.currency}"
        if self.kind == self.Kind.PAYMENT_REVERSAL:
            return f"payment {self.payment} reversed ({money})"
        if self.kind == self.Kind.WRITE_OFF:
            return f"{money} written off on invoice {self.invoice}"
        if self.kind == self.Kind.DISPUTE_CREDIT:
            return f"{money} credited, dispute {self.dispute_id} resolved"
        return f"invoice {self.invoice} voided ({money})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.REQUESTED
