"""Credit hold: an account whose new orders the ERP should block, and every hold and release.

`Customer.credit_hold` is the current state (with `credit_hold_reason` and `credit_hold_since`); it is
not `Customer.status == on_hold` (an account set aside, which gets no reminders): an account on credit
hold is still reminded and worked. Each change is a `CreditHoldEvent`, which is also the event list an
ERP polls (`?after=<id>`). Rules put accounts on hold automatically (`work.holds.services`);
a person can hold or release by hand, with a reason. A release by hand can keep the rules away until
a date (`Customer.credit_hold_exempt_until`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.money import MONEY
from ledger.models import Customer

MAX_RULE_DAYS_PAST_DUE = 3650  # ten years late is a write-off, not a hold rule


class CreditHoldRule(models.Model):
    class Kind(models.TextChoices):
        OVER_CREDIT_LIMIT = "over_limit", "Open balance over the credit limit"
        DAYS_PAST_DUE = "days_past_due", "An invoice more than N days past due"
        BROKEN_PLAN = "broken_plan", "A payment plan broken (installment missed)"

    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=14, choices=Kind.choices)
    days_past_due = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For 'days past due': hold when an invoice is more than this many days late."
    )
    min_amount = models.DecimalField(
        **MONEY, default=0, help_text="Ignore accounts whose amount at stake is below this (base currency)."
    )
    segment = models.CharField(max_length=40, blank=True, help_text="Only customers of this segment; blank for all.")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "collections_app_creditholdrule"  # kept from the app it was created in
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="days_past_due") | Q(days_past_due__isnull=False),
                name="days_past_due_rule_has_days",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A rule a person can mean: a segment as customers carry it, a day count within ten years, no
        negative threshold (the checks the form and the admin both run)."""
        self.segment = self.segment.strip()
        errors = {}
        if self.days_past_due is not None and not 1 <= self.days_past_due <= MAX_RULE_DAYS_PAST_DUE:
            errors["days_past_due"] = f"Between 1 and {MAX_RULE_DAYS_PAST_DUE} days past due."
        if self.min_amount is not None and self.min_amount < 0:
            errors["min_amount"] = "The amount at stake below which the rule ignores an account cannot be negative."
        if errors:
            raise ValidationError(errors)


class CreditHoldEvent(models.Model):
    class Action(models.TextChoices):
        HOLD = "hold", "Put on hold"
        RELEASE = "release", "Released"

    class Source(models.TextChoices):
        RULE = "rule", "Rule"
        MANUAL = "manual", "By hand"
        API = "api", "API"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="hold_events")
    action = models.CharField(max_length=7, choices=Action.choices)
    source = models.CharField(max_length=6, choices=Source.choices)
    rule = models.ForeignKey(CreditHoldRule, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    reason = models.CharField(max_length=200)
    # The account's open balance when it happened, in its currency: what the hold protected.
    balance = models.DecimalField(**MONEY, default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "collections_app_creditholdevent"  # kept from the app it was created in
        ordering = ["pk"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.customer_id} ({self.get_source_display()})"
