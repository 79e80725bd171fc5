"""Every message the system sends is a row here before it leaves, and every dunning step an invoice
went through is recorded once, so that no reminder is sent twice and none is lost."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class DunningRun(models.Model):
    """One pass of the daily dunning evaluation, with what it found."""

    as_of = models.DateField()
    trigger = models.CharField(max_length=20, default="beat")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    invoices_evaluated = models.PositiveIntegerField(default=0)
    invoices_blocked = models.PositiveIntegerField(default=0)
    messages_queued = models.PositiveIntegerField(default=0)
    tasks_raised = models.PositiveIntegerField(default=0)
    steps_skipped = models.PositiveIntegerField(default=0)
    # Customers whose reminder could not be made (a template that fails to render): their message
    # is recorded as failed with the reason and the collector gets a task; the run goes on.
    messages_failed = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Dunning run as of {self.as_of}"


class OutboundMessage(models.Model):
    class Kind(models.TextChoices):
        DUNNING = "dunning", "Dunning reminder"
        STATEMENT = "statement", "Monthly statement"
        INVOICE_COPY = "invoice_copy", "Invoice copy"
        PLAN = "plan", "Payment plan reminder"
        MANUAL = "manual", "Written by a collector"
        RECEIPT = "receipt", "Payment receipt or notice"
        AUTOPAY = "autopay", "Autopay announcement or failure"
        REPLY = "reply", "Reply to a customer's email"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # (customer, step, invoice set, date) for dunning; (customer, month) for statements. A unique
    # constraint, so the same reminder can never be queued twice.
    key = models.CharField(max_length=200, unique=True)
    step = models.ForeignKey(
        "reminders.DunningStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run = models.ForeignKey(DunningRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    invoices = models.ManyToManyField("ledger.Invoice", blank=True, related_name="messages")
    contact = models.ForeignKey(
        "ledger.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    to_email = models.EmailField()
    from_email = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=250)
    body = models.TextField()
    # The HTML part, rendered with the text part from the same content; blank = text only.
    html_body = models.TextField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    # Not sent before this time (the recipient's sending window); null = at once.
    not_before = models.DateTimeField(null=True, blank=True, db_index=True)
    # Threading headers of a reply: the Message-ID it answers and the chain before it.
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    attachment = models.FileField(upload_to="outbox/%Y/%m/", blank=True)
    attachment_name = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # While "sending", the worker that claimed the row owns it until this time; after it, the row
    # is presumed abandoned by a dead worker and goes back to the queue.
    lease_until = models.DateTimeField(null=True, blank=True)
    # When a send task was last handed to the broker; the sweep re-dispatches rows left queued.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # The Message-ID header, derived from the key: a resend carries the same id, so it can be
    # recognised (and deduplicated by the receiving side) as the same message.
    provider_message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "lease_until"]),
            models.Index(fields=["customer", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"

    @staticmethod
    def message_id_for(key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        domain = getattr(settings, "REMINDERS_MESSAGE_ID_DOMAIN", "collections-workbench.local")
        return f"<{digest}@{domain}>"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.FAILED, self.Status.CANCELLED)


class InvoiceStepSent(models.Model):
    """The per-invoice ledger of dunning steps: each (invoice, step) happens at most once, either
    sent, handed to the collector, or skipped because a later step was already due."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        TASK = "task", "Handed to the collector"
        SKIPPED = "skipped", "Skipped (a later step was due)"

    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.CASCADE, related_name="dunning_steps")
    step = models.ForeignKey("reminders.DunningStep", on_delete=models.CASCADE, related_name="+")
    offset_days = models.SmallIntegerField()
    outcome = models.CharField(max_length=7, choices=Outcome.choices)
    on = models.DateField()
    run = models.ForeignKey(DunningRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="step_records"
    )

    class Meta:
        ordering = ["invoice", "offset_days"]
        constraints = [models.UniqueConstraint(fields=["invoice", "step"], name="invoice_step_once")]

    def __str__(self) -> str:
        return f"{self.invoice_id} step {self.step_id}: {self.outcome}"


class DeliveryEvent(models.Model):
    """What happened to a message after it left: opened, clicked, bounced."""

    class Kind(models.TextChoices):
        OPEN = "open", "Opened"
        CLICK = "click", "Portal link clicked"
        BOUNCE = "bounce", "Bounced"

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            # One open and one bounce per message are enough for the timeline; clicks may repeat.
            models.UniqueConstraint(fields=["message", "kind"], condition=~Q(kind="click"), name="one_event_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.message_id}"
