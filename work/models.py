"""Collection work: every touch, promise, dispute and escalation on an account."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.money import MONEY, ZERO
from ledger.models import Contact, Customer, Invoice

# The models of the work's sub-topics live beside their services; Django registers them through here.
from work.corrections.models import LedgerCorrection  # noqa: F401
from work.discrepancies.models import Discrepancy  # noqa: F401  (dupes)
from work.holds.models import CreditHoldEvent, CreditHoldRule  # noqa: F401
from work.plans.models import PaymentPlan, PlanInstallment  # noqa: F401
from work.queue.models import QueueEntry, Snooze  # noqa: F401


class Activity(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", "Call"
        EMAIL = "email", "Email"
        NOTE = "note", "Note"
        MEETING = "meeting", "Meeting"
        LETTER = "letter", "Letter"
        PORTAL_VISIT = "portal_visit", "Portal visit"
        SYSTEM = "system", "System message"

    class Outcome(models.TextChoices):
        NONE = "", "—"
        REACHED = "reached", "Reached"
        VOICEMAIL = "voicemail", "Left voicemail"
        NO_ANSWER = "no_answer", "No answer"
        PROMISED = "promised", "Promised to pay"
        DISPUTED = "disputed", "Disputed"
        REFUSED = "refused", "Refused"
        WRONG_CONTACT = "wrong_contact", "Wrong contact"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    outcome = models.CharField(max_length=13, choices=Outcome.choices, blank=True, default="")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="activities")
    subject = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    next_action_on = models.DateField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    # For an email (sent or received): its Message-ID, and the Message-ID it answers. Plain strings,
    # not keys to the outbox or the inbox (layers above this one); the timeline threads by them.
    message_id = models.CharField(max_length=998, blank=True)
    in_reply_to = models.CharField(max_length=998, blank=True)

    class Meta:
        db_table = "collections_app_activity"  # kept from the app it was created in
        ordering = ["-occurred_at", "-pk"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["customer", "-occurred_at"]),
            models.Index(fields=["by", "occurred_at"]),
            # The touches of the last days (reporting.work_metrics: touches, worked accounts, coverage).
            models.Index(fields=["occurred_at"], name="activity_occurred_at"),
            # Follow-ups still ahead (reporting.work_metrics.planned): a few thousand of the activities.
            models.Index(fields=["next_action_on"], condition=models.Q(next_action_on__isnull=False),
                         name="activity_next_action_set"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id} {self.occurred_at:%Y-%m-%d}"


class PromiseToPay(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        KEPT = "kept", "Kept"
        PARTIALLY_KEPT = "partial", "Partially kept"
        BROKEN = "broken", "Broken"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        COLLECTOR = "collector", "Collector"
        PORTAL = "portal", "Customer portal"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="promises")
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="promises")
    amount = models.DecimalField(**MONEY)
    pay_by = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.COLLECTOR)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    amount_paid = models.DecimalField(**MONEY, default=ZERO)
    settled_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "collections_app_promisetopay"  # kept from the app it was created in
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "pay_by"]), models.Index(fields=["customer", "status"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="promise_amount_positive")]

    def __str__(self) -> str:
        return f"Promise {self.amount} by {self.pay_by} ({self.get_status_display()})"


class Dispute(models.Model):
    class RootCause(models.TextChoices):
        PRICING = "pricing", "Pricing"
        QUANTITY = "quantity", "Quantity / short shipment"
        DAMAGED = "damaged", "Damaged goods"
        PO = "po", "Missing / wrong PO"
        DUPLICATE = "duplicate", "Duplicate billing"
        SERVICE = "service", "Service issue"
        NOT_RECEIVED = "not_received", "Invoice not received"
        TAX = "tax", "Tax"
        OTHER = "other", "Other"

    class Owner(models.TextChoices):
        SALES = "sales", "Sales"
        OPERATIONS = "operations", "Operations"
        BILLING = "billing", "Billing"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_REVIEW = "in_review", "In review"
        RESOLVED = "resolved", "Resolved"

    class Resolution(models.TextChoices):
        NONE = "", "—"
        CREDIT_ISSUED = "credit_issued", "Credit issued"
        CUSTOMER_PAYS = "customer_pays", "Customer pays"
        REJECTED = "rejected", "Rejected"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="disputes")
    invoices = models.ManyToManyField(Invoice, related_name="disputes")
    amount = models.DecimalField(**MONEY)
    root_cause = models.CharField(max_length=12, choices=RootCause.choices)
    owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.BILLING)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(max_length=13, choices=Resolution.choices, blank=True, default="")
    description = models.TextField(blank=True)
    opened_on = models.DateField(default=timezone.localdate)
    resolved_on = models.DateField(null=True, blank=True)
    last_update_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, default="collector")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "collections_app_dispute"  # kept from the app it was created in
        ordering = ["-opened_on", "-pk"]
        indexes = [models.Index(fields=["status", "owner"]), models.Index(fields=["customer", "status"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="dispute_amount_positive")]

    def __str__(self) -> str:
        return f"Dispute {self.get_root_cause_display()} {self.amount} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED


class EscalationLevel(models.Model):
    """One rung of the escalation matrix, e.g. AP clerk → approver → controller → … → agency."""

    order = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=60)
    contact_role = models.CharField(
        max_length=20, choices=Contact.Role.choices, blank=True,
        help_text="The customer-side role to ask at this level; blank for internal levels.",
    )
    description = models.CharField(max_length=200, blank=True)
    to_team_manager = models.BooleanField(
        default=False, help_text="An internal level: the escalation goes to the manager of the collector's team.",
    )

    class Meta:
        db_table = "collections_app_escalationlevel"  # kept from the app it was created in
        ordering = ["order"]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class Escalation(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="escalations")
    level = models.ForeignKey(EscalationLevel, on_delete=models.PROTECT, related_name="+")
    to_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="escalations")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "collections_app_escalation"  # kept from the app it was created in
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Escalation to {self.level.name} ({self.customer_id})"


class QueueTask(models.Model):
    """Something a person must look at on an account, raised by the system (a dunning step that
    hands over to the collector, a bounced email, a portal request) or by a manager. Open tasks
    feed the daily queue; `key` makes raising the same task twice a no-op."""

    class Kind(models.TextChoices):
        DUNNING_STEP = "dunning_step", "Dunning step: call the customer"
        BOUNCE = "bounce", "Email bounced"
        NOT_OPENED = "not_opened", "Invoice not opened"
        STATEMENT_UNDELIVERED = "statement", "Statement not delivered"
        PORTAL_DISPUTE = "portal_dispute", "Dispute from the portal"
        PORTAL_PROMISE = "portal_promise", "Promise from the portal"
        PORTAL_REQUEST = "portal_request", "Request from the portal"
        PORTAL_PLAN = "portal_plan", "Payment plan from the portal"
        PLAN_MISSED = "plan_missed", "Plan installment missed"
        CHARGE_APPROVAL = "charge_approval", "Fees / interest to approve"
        CREDIT_HOLD = "credit_hold", "Put on credit hold"
        PAYMENT = "payment", "Online payment refunded, disputed or failed"
        AUTOPAY = "autopay", "Autopay charge failed"
        CASH = "cash", "Bank receipt to look at"
        CUSTOMER_REPLIED = "customer_replied", "The customer replied"
        SAYS_PAID = "says_paid", "The customer says it is paid"
        ADDRESS_SUPPRESSED = "suppressed", "Address bounced: find another contact"
        DISCREPANCY = "discrepancy", "Possible duplicate or discrepancy"
        FORECAST_SLIP = "forecast_slip", "Large invoice predicted to slip past month end"
        MANUAL = "manual", "Manual"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="queue_tasks")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    due_on = models.DateField(default=timezone.localdate)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.OPEN)
    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "collections_app_queuetask"  # kept from the app it was created in
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.customer_id})"
