"""Bank statements as the bank sent them: our accounts, the files imported, their statements and lines.

Nothing here moves money. A `BankLine` is what the bank says happened on one of our accounts; the
cash application (`cashapp`) decides which customer and invoices a receipt pays and posts it on
the ledger through `ledger.services`. Lines are never edited after import: a re-import of the
same file, or of a later one that overlaps it, finds each line by (account, entry_reference) and
adds nothing (`banking.ingest`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.money import MONEY


class BankAccount(models.Model):
    """One of our own accounts. An IBAN is unique worldwide, so it is stored with an empty
    `bank_code`; a domestic account number (BAI2, some MT940 :25: fields) needs its bank's code."""

    iban = models.CharField("IBAN", max_length=34, blank=True)
    account_number = models.CharField(max_length=40)
    bank_code = models.CharField(max_length=35, blank=True, help_text="BIC, routing or sort code; empty for an IBAN.")
    currency = models.CharField(max_length=3)
    name = models.CharField(max_length=140, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_number"]
        constraints = [
            models.UniqueConstraint(fields=["account_number", "bank_code"], name="bankaccount_number_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.iban or f"{self.bank_code}/{self.account_number}".lstrip("/")


class StatementFile(models.Model):
    """One file as uploaded or given to the command. Its sha256 makes a second upload of the same
    bytes find the first; its `content` lets a background task read it after the upload returns."""

    class Format(models.TextChoices):
        CAMT053 = "camt053", "ISO 20022 camt.053 (statement)"
        CAMT054 = "camt054", "ISO 20022 camt.054 (notification)"
        MT940 = "mt940", "SWIFT MT940"
        BAI2 = "bai2", "BAI2"
        CSV = "csv", "CSV"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=8, choices=Format.choices, blank=True)
    content = models.BinaryField(editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    lines_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Per line of the file: [{"line": 57, "message": "the file ends inside a statement"}].
    errors = models.JSONField(default=list, blank=True)
    # The figures the command prints with --json, once the file is done.
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="statementfile_progress_le_100")]

    def __str__(self) -> str:
        return self.filename


class BankStatement(models.Model):
    """One statement (camt.053 Stmt, camt.054 Ntfctn, MT940 message, BAI2 account group)."""

    file = models.ForeignKey(StatementFile, on_delete=models.PROTECT, related_name="statements")
    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="statements", db_index=False)
    statement_id = models.CharField(max_length=80)
    sequence = models.CharField(max_length=35, blank=True)
    from_date = models.DateField(null=True, blank=True)
    to_date = models.DateField(null=True, blank=True)
    opening_balance = models.DecimalField(**MONEY, null=True, blank=True)
    closing_balance = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "from_date", "statement_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "statement_id"], name="bankstatement_account_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.statement_id}"


class BankLine(models.Model):
    """One booked movement. Amounts are positive with a direction; a reversal is flagged, not
    negated, so a returned receipt reads as the debit it is."""

    class Direction(models.TextChoices):
        CREDIT = "credit", "Credit"
        DEBIT = "debit", "Debit"

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Customer receipt"
        OTHER_CREDIT = "other_credit", "Other credit"
        DEBIT = "debit", "Debit"
        CHARGE = "charge", "Bank charge"

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="lines", db_index=False)
    # The bank's reference for the entry (or, for a batch booking, for the transaction inside it);
    # when the format gives none, a stable hash of what the line says and where (banking.parsers.records).
    entry_reference = models.CharField(max_length=100)
    booking_date = models.DateField()
    value_date = models.DateField()
    amount = models.DecimalField(**MONEY)
    direction = models.CharField(max_length=6, choices=Direction.choices)
    currency = models.CharField(max_length=3)
    is_reversal = models.BooleanField(default=False)
    bank_code = models.CharField(max_length=40, blank=True,
                                 help_text="BTC domain/family/sub-family, BAI type code or MT940 type.")
    counterparty_name = models.CharField(max_length=140, blank=True)
    counterparty_account = models.CharField(max_length=40, blank=True, db_index=True)
    counterparty_bank = models.CharField(max_length=35, blank=True)
    end_to_end_id = models.CharField(max_length=35, blank=True)
    structured_reference = models.CharField(max_length=35, blank=True)
    remittance_text = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["booking_date", "id"]
        indexes = [models.Index(fields=["kind", "booking_date"])]
        constraints = [
            models.UniqueConstraint(fields=["account", "entry_reference"], name="bankline_account_ref_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bankline_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.direction} {self.amount} {self.currency} {self.entry_reference}"

    @property
    def is_receipt(self) -> bool:
        return self.kind == self.Kind.RECEIPT
