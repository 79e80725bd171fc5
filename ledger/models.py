"""The accounts-receivable ledger: who owes what, and every movement that changed it.

Stored balances (`Invoice.open_amount`, `Payment.unapplied_amount`, `CreditNote.unapplied_amount`)
are kept for speed; only `ledger.services` changes them, in the same transaction as the
rows that justify the change, and `manage.py check_ledger` recomputes them. Nothing here is ever
deleted: a voided invoice or a reversed payment keeps its row with who and when.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.generations import accounts_changed
from core.money import MONEY, ZERO
from ledger import numbers


class KeyField(models.CharField):
    """A lookup key derived from another field of the row (`source`, by the function `key`) each
    time the row is written through the ORM: save, create and bulk_create all call `pre_save`, as
    they do for `auto_now`; `ledger.imports.bulk.insert_rows` (COPY) derives it from the row's source
    in the same way. An UPDATE that bypasses the ORM and changes the source sets the key itself (the
    ERP import's changed PO). An empty key is NULL, as COPY writes an empty text cell of a nullable column; so
    is a row nobody keyed, which a reader keys as it reads it (`Invoice.UNKEYED`)."""

    def __init__(self, *args, source: str = "", key=None, **kwargs):
        self.source, self.key = source, key
        kwargs.setdefault("null", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, key=self.key)
        kwargs.pop("null", None)
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = self.key(getattr(model_instance, self.source)) or None
        setattr(model_instance, self.attname, value)
        return value


class Customer(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ON_HOLD = "on_hold", "On hold"
        CLOSED = "closed", "Closed"

    external_id = models.CharField("customer id", max_length=64, unique=True)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        help_text="The account this customer belongs under; a parent may have a parent of its own.",
    )
    # --- family --- kept by save() (and ledger.hierarchy.families_refresh for bulk writes) from `parent`:
    # the top of the customer's family (None for a top) and how far below it the customer is (0 = top).
    family_top = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="family_members", editable=False,
        help_text="The top of the account family (empty for a top).",
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # A credit limit for the group this account heads: the open balance of the account and every account
    # below it, summed (work.holds). 0 = none. The account's own `credit_limit` is unchanged by it.
    group_credit_limit = models.DecimalField(
        **MONEY, default=ZERO, help_text="For a parent: the limit on the open balance of its whole group (0 = none).",
    )
    # --- end family ---
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    payment_terms_days = models.PositiveIntegerField(default=30)
    credit_limit = models.DecimalField(**MONEY, default=ZERO)
    currency = models.CharField(max_length=3, default="USD")
    segment = models.CharField(max_length=40, blank=True, db_index=True)
    # The language messages and the portal use (a contact's own language wins), and the time zone
    # reminders are sent in; blank = the defaults (LANGUAGE_CODE; the country's zone, else TIME_ZONE).
    language = models.CharField(max_length=8, blank=True, help_text="e.g. en, fr, de, es, nl")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, e.g. FR")
    time_zone = models.CharField(max_length=64, blank=True, help_text="e.g. Europe/Paris")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    hold_reason = models.CharField(max_length=200, blank=True)
    # Credit hold (orders blocked in the ERP) is not the account status above: an account on credit
    # hold is still reminded and worked. Kept by work.holds.services with its events.
    credit_hold = models.BooleanField(default=False, db_index=True)
    credit_hold_reason = models.CharField(max_length=200, blank=True)
    credit_hold_since = models.DateTimeField(null=True, blank=True)
    # A release by hand can keep the automatic hold rules away from the account until this day.
    credit_hold_exempt_until = models.DateField(null=True, blank=True)
    e_delivery = models.BooleanField(
        "e-delivery", default=True,
        help_text="Invoices and statements go by email to the AP contact; off means on paper, by post.",
    )
    # The current portfolio, kept by team.services together with the Assignment history.
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", null=True, blank=True, on_delete=models.PROTECT, related_name="customers"
    )
    follow_up_on = models.DateField(null=True, blank=True)
    follow_up_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "collections_app_customer"  # kept from the app it was created in
        ordering = ["name"]
        indexes = [models.Index(fields=["portfolio", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"

    # --- family ---
    def save(self, *args, **kwargs) -> None:
        """`family_top` and `depth` follow `parent`; a move takes the customer's subtree along. A save
        that leaves the parent as it was loaded asks nothing more. Whatever the save, figures kept
        from the accounts are obsolete once it commits (`core.generations.accounts_changed`)."""
        accounts_changed()
        fields = kwargs.get("update_fields")
        unchanged = self.pk is not None and self.parent_id == getattr(self, "_parent_as_loaded", models.DEFERRED)
        if unchanged or (fields is not None and "parent" not in fields and "parent_id" not in fields):
            super().save(*args, **kwargs)
            return
        parent = self.parent
        top, depth = (None, 0) if parent is None else (parent.family_top_id or parent.pk, parent.depth + 1)
        moved = self.pk is not None and (top, depth) != (self.family_top_id, self.depth)
        self.family_top_id, self.depth = top, depth
        if fields is not None:
            kwargs["update_fields"] = {*fields, "family_top", "depth"}
        super().save(*args, **kwargs)
        self._parent_as_loaded = self.parent_id
        if moved:
            self.subtree_follow()
    # --- end family ---

    def get_absolute_url(self) -> str:
        return reverse("account", args=[self.pk])

    # --- family ---
    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._parent_as_loaded = instance.__dict__.get("parent_id", models.DEFERRED)
        return instance

    def subtree_follow(self) -> None:
        """Give the customer's descendants its top and their depth below it, one level a query."""
        top, level, depth = self.family_top_id or self.pk, [self.pk], self.depth
        seen = {self.pk}
        while level:
            depth += 1
            level = [pk for pk in Customer.objects.filter(parent_id__in=level).values_list("pk", flat=True)
                     if pk not in seen]
            seen.update(level)
            Customer.objects.filter(pk__in=level).update(family_top_id=top, depth=depth)

    @property
    def family_head(self) -> "Customer":
        """The top of the account family (itself for a top): statements, payments and plans go by it."""
        return self.family_top if self.family_top_id else self

    @property
    def family_top_pk(self) -> int:
        return self.family_top_id or self.pk
    # --- end family ---

    @property
    def on_hold(self) -> bool:
        return self.status == self.Status.ON_HOLD


class Contact(models.Model):
    class Role(models.TextChoices):
        AP_CLERK = "ap_clerk", "AP clerk"
        APPROVER = "approver", "Approver"
        CONTROLLER = "controller", "Controller"
        SALES_REP = "sales_rep", "Sales rep"
        OWNER = "owner", "Owner / executive"
        OTHER = "other", "Other"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AP_CLERK)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False)
    receives_statements = models.BooleanField(default=True)
    email_bounced_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True, help_text="blank = the customer's language")
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "collections_app_contact"  # kept from the app it was created in
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    def save(self, *args, **kwargs) -> None:
        """Every path that saves a contact (a service, the admin, the inbox) makes the figures kept
        from the accounts obsolete; bulk writers call `accounts_changed` themselves."""
        accounts_changed()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        accounts_changed()
        return super().delete(*args, **kwargs)


# Rows whose keys nobody wrote (a writer that bypassed the ORM and did not set them): a number with
# no digits or a missing PO key is NULL too, so these are keyed by their readers.
UNKEYED = (Q(number_key__isnull=True) | Q(number_even_pairs__isnull=True) | Q(number_odd_pairs__isnull=True)
           | (Q(po_key__isnull=True) & ~Q(po_number="")))


# What the reports read of an open invoice (reporting.frames), covered by the index invoice_open_read.
OPEN_READ = ["id", "external_id", "customer", "currency", "due_date", "amount", "open_amount", "status"]


class Invoice(models.Model):
    """A receivable document. Most are invoices from the ERP; late-payment fees and interest are
    charges of their own type, issued by `services.charge_issue` against the invoice they arise
    from (`charge_for`), so the original invoice is never edited."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    class DocumentType(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        LATE_FEE = "late_fee", "Late-payment fee"
        INTEREST = "interest", "Late-payment interest"

    external_id = models.CharField("invoice id", max_length=64, unique=True)
    document_type = models.CharField(max_length=8, choices=DocumentType.choices, default=DocumentType.INVOICE)
    charge_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="charges", db_index=False,
        help_text="For a fee or interest charge: the invoice it was charged on.",
    )
    # Indexed by (customer, status, due_date) below, which serves lookups by customer as well.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices", db_index=False)
    issue_date = models.DateField()
    due_date = models.DateField()
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    po_number = models.CharField("PO number", max_length=64, blank=True)
    # What the cash application looks a payer's reference up by (`ledger.numbers`), indexed on open
    # invoices: the number's digits, those digits with each pair of neighbours in order (pairs from
    # the first digit, and from the second: a transposed reference shares one of the two), and the
    # PO number compacted (NULL when empty).
    number_key = KeyField(max_length=64, source="external_id", key=numbers.number_key)
    number_even_pairs = KeyField(max_length=64, source="external_id", key=numbers.number_even_pairs)
    number_odd_pairs = KeyField(max_length=64, source="external_id", key=numbers.number_odd_pairs)
    po_key = KeyField(max_length=64, source="po_number", key=numbers.po_key)
    open_amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=5, choices=Status.choices, default=Status.OPEN)
    # The date of the application or write-off that brought the open amount to zero.
    closed_on = models.DateField(null=True, blank=True)
    # Set when the customer says the invoice is waiting for internal approval on their side.
    approval_requested_on = models.DateField(null=True, blank=True)
    # Delivery tracking, kept by the reminders app: when the invoice (or a message listing it) was
    # last sent, and when the customer first opened it.
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    void_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "collections_app_invoice"  # kept from the app it was created in
        ordering = ["due_date", "external_id"]
        indexes = [
            models.Index(fields=["customer", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["issue_date"]),
            models.Index(fields=["due_date", "id"], name="invoice_api_order"),  # /api/invoices/ order and cursor
            # Rarely set: indexing only the rows that have one spares every import and every new
            # invoice an index entry for nothing.
            models.Index(fields=["charge_for"], condition=Q(charge_for__isnull=False), name="invoice_charge_for_set"),
            models.Index(fields=["voided_by"], condition=Q(voided_by__isnull=False), name="invoice_voided_by_set"),
            models.Index(fields=["number_key"], condition=Q(status="open", number_key__isnull=False),
                         name="invoice_open_number_key"),
            models.Index(fields=["number_even_pairs"], condition=Q(status="open", number_even_pairs__isnull=False),
                         name="invoice_open_even_pairs"),
            models.Index(fields=["number_odd_pairs"], condition=Q(status="open", number_odd_pairs__isnull=False),
                         name="invoice_open_odd_pairs"),
            models.Index(fields=["po_key"], condition=Q(status="open", po_key__isnull=False),
                         name="invoice_open_po_key"),
            # A bank receipt's amount: the open invoices of exactly that amount (cashapp.matching.load).
            models.Index(fields=["open_amount"], condition=Q(status="open"), name="invoice_open_amount"),
            # Normally empty: open invoices a writer did not key (see UNKEYED).
            models.Index(fields=["id"], condition=Q(status="open") & UNKEYED, name="invoice_open_unkeyed"),
            # The stored months of paid invoices (reporting.paid_months): whose invoices were written
            # since they were taken, and the days of a month not stored, read from the invoices.
            models.Index(fields=["updated_at"], name="invoice_updated_at"),
            models.Index(fields=["closed_on"], condition=Q(status="paid"), name="invoice_paid_closed_on"),
            # Every open invoice with what the reports read of it, so they read the index alone (an
            # index-only scan of 9 MB on the large book, against 260 MB of table: 0.22 → 0.07 s).
            models.Index(fields=["issue_date"], include=OPEN_READ, condition=~Q(open_amount=0),
                         name="invoice_open_read"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(condition=Q(open_amount__gte=0), name="invoice_open_not_negative"),
            models.CheckConstraint(condition=Q(open_amount__lte=models.F("amount")), name="invoice_open_le_amount"),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("issue_date")), name="invoice_due_after_issue"),
            models.CheckConstraint(
                condition=Q(document_type="invoice", charge_for__isnull=True)
                | (~Q(document_type="invoice") & Q(charge_for__isnull=False)),
                name="charge_has_source_invoice",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id

    def days_past_due(self, on: date) -> int:
        return (on - self.due_date).days

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_charge(self) -> bool:
        return self.document_type != self.DocumentType.INVOICE


class Payment(models.Model):
    class Status(models.TextChoices):
        POSTED = "posted", "Posted"
        REVERSED = "reversed", "Reversed"

    class Source(models.TextChoices):
        """Where the cash was first recorded: the ERP's books, a payment taken online here, a bank
        statement matched here, or a collector's entry. The ERP pulls `online` and `bank` back."""

        ERP = "erp", "ERP"
        ONLINE = "online", "Online payment"
        BANK = "bank", "Bank statement"
        MANUAL = "manual", "Entered by hand"

    external_id = models.CharField("payment id", max_length=64, unique=True)
    # Indexed by (customer, received_date) below.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments", db_index=False)
    received_date = models.DateField()
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.ERP)
    # A payment taken here (online, bank) that the ERP later imported under its own id: the import
    # links the ERP's row to this payment (by `reference` = our external_id) instead of adding one.
    erp_external_id = models.CharField("ERP payment id", max_length=64, blank=True)
    unapplied_amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.POSTED)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reversal_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "collections_app_payment"  # kept from the app it was created in
        ordering = ["-received_date", "external_id"]
        indexes = [models.Index(fields=["customer", "received_date"]), models.Index(fields=["received_date"]),
                   models.Index(fields=["source", "id"], condition=~Q(source="erp"), name="payment_taken_here"),
                   models.Index(fields=["reversed_by"], condition=Q(reversed_by__isnull=False),
                                name="payment_reversed_by_set")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(unapplied_amount__gte=0), name="payment_unapplied_not_negative"),
            models.UniqueConstraint(fields=["erp_external_id"], condition=~Q(erp_external_id=""),
                                    name="payment_erp_external_id_unique"),
        ]

    def __str__(self) -> str:
        return self.external_id


class CreditNote(models.Model):
    external_id = models.CharField("credit note id", max_length=64, unique=True)
    # Indexed by (customer, issue_date) below.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_notes", db_index=False)
    issue_date = models.DateField()
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=200, blank=True)
    unapplied_amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "collections_app_creditnote"  # kept from the app it was created in
        ordering = ["-issue_date", "external_id"]
        indexes = [models.Index(fields=["customer", "issue_date"]), models.Index(fields=["issue_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_amount_positive"),
            models.CheckConstraint(condition=Q(unapplied_amount__gte=0), name="credit_unapplied_not_negative"),
        ]

    def __str__(self) -> str:
        return self.external_id


class Application(models.Model):
    """Cash or credit applied to an invoice on a date. A reversal is a new row with a negative amount."""

    # Indexed by (invoice, applied_on) below.
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="applications", db_index=False)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    credit_note = models.ForeignKey(  # most cash is payments: only credit applications are indexed
        CreditNote, null=True, blank=True, on_delete=models.PROTECT, related_name="applications", db_index=False
    )
    amount = models.DecimalField(**MONEY)
    applied_on = models.DateField()
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "collections_app_application"  # kept from the app it was created in
        ordering = ["applied_on", "pk"]
        indexes = [models.Index(fields=["invoice", "applied_on"]), models.Index(fields=["applied_on"]),
                   models.Index(fields=["credit_note"], condition=Q(credit_note__isnull=False),
                                name="application_credit_note_set"),
                   models.Index(fields=["created_by"], condition=Q(created_by__isnull=False),
                                name="application_created_by_set")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(payment__isnull=False, credit_note__isnull=True)
                           | Q(payment__isnull=True, credit_note__isnull=False)),
                name="application_one_source",
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="application_amount_not_zero"),
        ]

    def __str__(self) -> str:
        source = self.payment or self.credit_note
        return f"{source} → {self.invoice}: {self.amount}"


class WriteOff(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="write_offs")
    amount = models.DecimalField(**MONEY)
    written_off_on = models.DateField()
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "collections_app_writeoff"  # kept from the app it was created in
        ordering = ["written_off_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive")]

    def __str__(self) -> str:
        return f"Write-off {self.amount} on {self.invoice}"


class FxRate(models.Model):
    """How many units of the base currency one unit of `currency` was worth on `rate_date`."""

    currency = models.CharField(max_length=3)
    rate_date = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8)

    class Meta:
        db_table = "collections_app_fxrate"  # kept from the app it was created in
        ordering = ["currency", "-rate_date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "rate_date"], name="fx_rate_unique_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="fx_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate_date}: {self.rate}"


# The history-changed marks the ledger writes for figures kept from it (see ledger/touch.py).
from ledger.touch import LedgerTouch  # noqa: E402, F401
