"""Online payments: what we asked a provider to collect, what the provider told us, and the
methods customers saved for autopay.

A `PaymentRequest` is one ask for money (a checkout the customer completes, or an off-session
charge); its lines say which invoices it pays. Money never moves here: a succeeded request is
posted through `ledger.services` by `payments.services`, exactly once, guarded by the
`WebhookEvent` row of the event that reported it (unique per provider and event id).
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.money import MONEY


class Provider(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox"
    STRIPE = "stripe", "Stripe"


class MethodKind(models.TextChoices):
    CARD = "card", "Card"
    SEPA_DEBIT = "sepa_debit", "SEPA Direct Debit"
    US_BANK_ACCOUNT = "us_bank_account", "US bank account (ACH)"


class PaymentRequest(models.Model):
    class Kind(models.TextChoices):
        CHECKOUT = "checkout", "Checkout"
        OFF_SESSION = "off_session", "Off-session charge"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending (clearing)"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
        DISPUTED = "disputed", "Disputed (chargeback)"

    class Origin(models.TextChoices):
        PORTAL = "portal", "Portal"
        EMAIL = "email", "Reminder email"
        STATEMENT = "statement", "Statement"
        AUTOPAY = "autopay", "Autopay"

    # The idempotency key of the ask (checkout:<uuid>, autopay:<invoice id>:<due date>); every
    # outgoing provider call derives its own key from it.
    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CHECKOUT)
    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="payment_requests")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    provider_ref = models.CharField(max_length=255, blank=True)
    # The payment intent behind a checkout (learnt from its events), or the off-session charge itself:
    # refunds and chargebacks name it.
    payment_intent_ref = models.CharField(max_length=255, blank=True, db_index=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    payment = models.ForeignKey(
        "ledger.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The ledger payment this request posted, once it succeeded.",
    )
    failure_reason = models.CharField(max_length=300, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.PORTAL)
    method_kind = models.CharField(max_length=16, choices=MethodKind.choices, blank=True)
    refunded_amount = models.DecimalField(**MONEY, default=0)
    # A card surcharge the customer pays on top of `amount`'s invoices (part of `amount`, never posted
    # to the ledger as a receivable: the ledger gets `amount - surcharge_amount`).
    surcharge_amount = models.DecimalField(**MONEY, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "created_at"]), models.Index(fields=["status"])]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_ref"], condition=~Q(provider_ref=""),
                                    name="payment_request_provider_ref_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_request_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                                   name="payment_request_refund_le_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.amount} {self.currency}, {self.status})"

    @property
    def open_to_pay(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def external_id(self) -> str:
        """The ledger payment id this request posts under: ONL-<request id>."""
        return f"ONL-{self.pk}"


class PaymentRequestLine(models.Model):
    request = models.ForeignKey(PaymentRequest, on_delete=models.CASCADE, related_name="lines")
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="payment_request_lines")
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "invoice"], name="payment_request_line_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_request_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount}"


class SavedMethod(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"

    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="saved_methods")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    provider_customer_ref = models.CharField(max_length=255, blank=True)
    provider_method_ref = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=MethodKind.choices)
    label = models.CharField(max_length=80)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_method_ref"], name="saved_method_ref_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class WebhookEvent(models.Model):
    """Every event a provider sent us, whatever became of it. The unique (provider, event_id) row
    is the exactly-once guard: a replay finds it and changes nothing."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        DUPLICATE = "duplicate", "Duplicate"
        IGNORED = "ignored", "Ignored"
        REFUSED = "refused", "Refused"

    provider = models.CharField(max_length=10, choices=Provider.choices)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=80)
    created = models.DateTimeField(help_text="When the provider created the event.")
    received_at = models.DateTimeField(auto_now_add=True)
    request = models.ForeignKey(PaymentRequest, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="events")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_unique")]
        indexes = [models.Index(fields=["outcome", "received_at"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.type} ({self.outcome})"


class CustomerPaymentSettings(models.Model):
    """What a customer may pay with online: cards can be switched off above an amount (card fees
    on a large invoice) and the methods offered limited."""

    customer = models.OneToOneField("ledger.Customer", on_delete=models.CASCADE, related_name="payment_settings")
    card_max_amount = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Above this amount the checkout offers no card.")
    card_surcharge_percent = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text="A card surcharge, in percent of what is paid (0–10; mind your card scheme's and country's "
                  "caps). The customer chooses card (with it) or another method (without) before paying.")
    methods_allowed = models.JSONField(
        default=list, blank=True,
        help_text='Methods offered, from "card", "sepa_debit", "us_bank_account", "bank_transfer"; empty = all.')

    class Meta:
        verbose_name_plural = "customer payment settings"

    def __str__(self) -> str:
        return f"Payment settings of {self.customer_id}"


class SandboxSession(models.Model):
    """The embedded provider's own record of a checkout or setup session: what Stripe keeps on its
    side (where to send the customer back, which methods to offer). Only the sandbox uses it."""

    class Mode(models.TextChoices):
        PAYMENT = "payment", "Payment"
        SETUP = "setup", "Setup"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"
        EXPIRED = "expired", "Expired"

    ref = models.CharField(max_length=64, unique=True)
    mode = models.CharField(max_length=8, choices=Mode.choices)
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+")
    request = models.OneToOneField(PaymentRequest, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="sandbox_session")
    success_url = models.CharField(max_length=1000)
    cancel_url = models.CharField(max_length=1000)
    methods = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    # What the customer chose on the page: the method kind and the test card or IBAN.
    method_kind = models.CharField(max_length=16, blank=True)
    method_number = models.CharField(max_length=34, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.ref
