"""Mail customers send us. Every message is kept whole (`raw`) with what was read from it, the
account it was matched to and how, and what the classifier made of it. Nothing here is deleted."""

from django.conf import settings
from django.db import models


class InboundEmail(models.Model):
    class Source(models.TextChoices):
        FILE = "file", "File or standard input"
        IMAP = "imap", "IMAP mailbox"
        WEBHOOK = "webhook", "Provider webhook"

    class MatchedBy(models.TextChoices):
        IN_REPLY_TO = "in_reply_to", "Reply to a message we sent"
        REPLY_ADDRESS = "reply_address", "The account's reply-to address"
        SENDER = "sender", "The sender is a contact"
        MANUAL = "manual", "Assigned by hand"
        NONE = "none", "Not matched"

    class Classification(models.TextChoices):
        AUTO_REPLY = "auto_reply", "Automatic reply"
        BOUNCE = "bounce", "Bounce"
        PAID = "paid", "Says it is paid"
        PROMISE = "promise", "Promises to pay"
        DISPUTE = "dispute", "Disputes"
        REPLIED = "replied", "Replied"  # anything else from a human

    class Status(models.TextChoices):
        NEW = "new", "New"  # NEW with no customer = in the AR inbox
        ASSIGNED = "assigned", "Assigned"
        DONE = "done", "Done"

    # The Message-ID header, or one derived (sha256) from the raw message when it has none.
    message_id = models.CharField(max_length=998, unique=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    customer = models.ForeignKey(
        "ledger.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="inbound_emails"
    )
    contact = models.ForeignKey(
        "ledger.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="inbound_emails"
    )
    matched_by = models.CharField(max_length=14, choices=MatchedBy.choices, default=MatchedBy.NONE)
    # The message of ours it answers (by In-Reply-To / References).
    answers = models.ForeignKey(
        "reminders.OutboundMessage", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    in_reply_to = models.CharField(max_length=998, blank=True)
    references = models.TextField(blank=True)
    from_address = models.CharField(max_length=254)
    from_name = models.CharField(max_length=200, blank=True)
    to_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    received_at = models.DateTimeField()
    # The whole text (the text/plain part, else read from the HTML).
    text = models.TextField(blank=True)
    # Only what is new: the quoted message below it (Outlook, Gmail, ">" lines) stripped.
    reply_text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    # Selected headers, with lower-case names.
    headers = models.JSONField(default=dict, blank=True)
    size = models.PositiveIntegerField(default=0)
    classification = models.CharField(max_length=12, choices=Classification.choices, blank=True)
    classification_reason = models.CharField(max_length=300, blank=True)
    proposed_promise_date = models.DateField(null=True, blank=True)
    proposed_root_cause = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    # The original message, kept whole.
    raw = models.FileField(upload_to="inbox/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-received_at"]),
            models.Index(fields=["status", "customer"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} ← {self.from_address}"


class InboundAttachment(models.Model):
    email = models.ForeignKey(InboundEmail, on_delete=models.PROTECT, related_name="attachments")
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="inbox/attachments/%Y/%m/", blank=True)
    # Over INBOX_MAX_ATTACHMENT_MB: recorded, not stored.
    skipped = models.BooleanField(default=False)

    class Meta:
        ordering = ["email", "pk"]

    def __str__(self) -> str:
        return self.filename or "(unnamed attachment)"
