"""Cash application: what became of each customer receipt on a bank statement.

A `banking.BankLine` of kind `receipt` gets one `CashMatch`: the matching engine
(`cashapp.matching`) names the customer and the invoices with a confidence and readable reasons;
above `settings.CASH_AUTO_APPLY_CONFIDENCE` the receipt is posted at once (`applied`), below it
waits in the worklist (`to_review`, ranked `candidates`) or has nothing to go on (`unmatched`).
A person confirms, splits, assigns elsewhere or parks it (`confirmed`, `parked`); an undo reverses
the payment through the ledger and puts the line back in review, remembering that it was undone
(the wrong-match rate counts automatic matches later undone). Money moves only through
`ledger.services` (`cashapp.services`); nothing here is deleted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from banking.models import BankLine
from ledger.models import Customer, Payment


class PayerAccount(models.Model):
    """A counterparty bank account known to belong to a customer: learned when a person confirms a
    receipt from it, or imported. The next receipt from that account maps to the customer by itself."""

    class Source(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed on a receipt"
        IMPORTED = "imported", "Imported"

    # Normalized like BankLine.counterparty_account: no spaces, upper case.
    counterparty_account = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payer_accounts")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=9, choices=Source.choices, default=Source.CONFIRMED)

    class Meta:
        ordering = ["counterparty_account"]

    def __str__(self) -> str:
        return f"{self.counterparty_account} → {self.customer_id}"


class CashMatch(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", "Applied automatically"
        CONFIRMED = "confirmed", "Confirmed"
        TO_REVIEW = "to_review", "To review"
        UNMATCHED = "unmatched", "Unmatched"
        PARKED = "parked", "Parked as unapplied cash"
        IGNORED = "ignored", "Not customer cash"

    # The statuses a person still has to work (the worklist).
    OPEN = (Status.TO_REVIEW, Status.UNMATCHED)
    # The statuses whose receipt is on the ledger as a payment.
    POSTED = (Status.APPLIED, Status.CONFIRMED, Status.PARKED)

    line = models.OneToOneField(BankLine, on_delete=models.PROTECT, related_name="cash_match")
    status = models.CharField(max_length=9, choices=Status.choices)
    # The customer the receipt is (or would be) posted to: the decided one, else the best candidate.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="cash_matches"
    )
    confidence = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    reasons = models.JSONField(default=list, blank=True)
    # Ranked best first: [{"customer": id, "invoices": [[id, "amount"]], "confidence": n, "reasons": [...]}]
    candidates = models.JSONField(default=list, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="cash_matches"
    )
    # A short payment within tolerance: {"invoice": id, "invoice_number": "...", "amount": "12.50",
    # "currency": "USD", "proposal": "write_off" | "dispute", "status": "proposed" | "requested" |
    # "disputed" | "written_off", "dispute": id, "correction": id}.
    deduction = models.JSONField(null=True, blank=True)
    # Set once the receipt was applied without a person; kept through an undo (the wrong-match rate).
    auto_applied_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    undo_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-confidence"], name="cashmatch_status_confidence"),
            models.Index(fields=["auto_applied_at"], condition=Q(auto_applied_at__isnull=False),
                         name="cashmatch_auto_applied"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__gte=0, confidence__lte=100),
                                   name="cashmatch_confidence_0_100"),
            models.CheckConstraint(
                condition=Q(status__in=["applied", "confirmed", "parked"], payment__isnull=False,
                            customer__isnull=False)
                | Q(status__in=["to_review", "unmatched", "ignored"], payment__isnull=True),
                name="cashmatch_posted_has_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def was_undone(self) -> bool:
        return self.undone_at is not None


class RemittanceAdvice(models.Model):
    """What a customer sent to say what a payment covers (a PDF or CSV): its text feeds the matching
    of the receipt it is attached to, or of the customer's next receipts."""

    line = models.ForeignKey(BankLine, null=True, blank=True, on_delete=models.PROTECT, related_name="remittances")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="remittances")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField()
    text = models.TextField(blank=True)
    invoice_refs = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename
