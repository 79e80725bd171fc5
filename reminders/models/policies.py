"""How politely and how often each customer is reminded: policies, their steps and the wording."""

from django.db import models
from django.db.models import Q


class MessageTemplate(models.Model):
    """Subject and body of an email, with placeholders filled from the account (see reminders.rendering)."""

    class Kind(models.TextChoices):
        DUNNING = "dunning", "Dunning reminder"
        STATEMENT = "statement", "Monthly statement"
        INVOICE_COPY = "invoice_copy", "Invoice copy"
        PLAN_MISSED = "plan_missed", "Payment plan: installment missed"
        FREE = "free", "Free-form letter"

    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.DUNNING)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class DunningPolicy(models.Model):
    """A list of steps relative to the due date. A customer gets the policy of its segment unless
    the account has its own; a segment without a policy gets the default one."""

    name = models.CharField(max_length=80, unique=True)
    segment = models.CharField(max_length=40, blank=True, help_text="Customers of this segment use this policy.")
    is_default = models.BooleanField(default=False, help_text="Used for segments without a policy of their own.")
    portal_plans_allowed = models.BooleanField(
        default=False, help_text="Customers may set up a payment plan themselves on the portal."
    )
    portal_plan_max_installments = models.PositiveSmallIntegerField(
        default=3, help_text="The most installments a customer may choose on the portal."
    )
    portal_plan_max_days = models.PositiveSmallIntegerField(
        default=90, help_text="The last installment of a portal plan falls at most this many days ahead."
    )
    plan_missed_template = models.ForeignKey(
        MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Sent when a payment plan installment is missed and dunning resumes.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name_plural = "dunning policies"
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_policy"),
            models.UniqueConstraint(fields=["segment"], condition=~Q(segment=""), name="one_policy_per_segment"),
        ]

    def __str__(self) -> str:
        return self.name


class DunningStep(models.Model):
    class Action(models.TextChoices):
        EMAIL = "email", "Send the template"
        TASK = "task", "Hand to the collector (queue task)"

    policy = models.ForeignKey(DunningPolicy, on_delete=models.CASCADE, related_name="steps")
    offset_days = models.SmallIntegerField(help_text="Days relative to the due date: −5 is five days before it.")
    name = models.CharField(max_length=80)
    action = models.CharField(max_length=5, choices=Action.choices, default=Action.EMAIL)
    template = models.ForeignKey(MessageTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Late-payment charges proposed when an invoice reaches this step (reminders.charges); a
    # collector or manager approves or waives each proposal before it reaches the ledger.
    fee_amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, help_text="A fixed fee per invoice reaching this step (0 = none)."
    )
    interest_annual_rate = models.DecimalField(
        max_digits=7, decimal_places=4, default=0,
        help_text="Annual interest in percent on the overdue amount, computed daily (0 = none).",
    )
    charge_min_balance = models.DecimalField(
        max_digits=14, decimal_places=2, default=0,
        help_text="No fee or interest on an invoice with less open than this.",
    )
    charge_grace_days = models.PositiveSmallIntegerField(
        default=0, help_text="Interest starts this many days after the due date."
    )

    class Meta:
        ordering = ["policy", "offset_days"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "offset_days"], name="one_step_per_offset"),
            models.CheckConstraint(
                condition=Q(action="task") | Q(template__isnull=False), name="email_step_has_template"
            ),
            models.CheckConstraint(condition=Q(fee_amount__gte=0), name="step_fee_not_negative"),
            models.CheckConstraint(condition=Q(interest_annual_rate__gte=0), name="step_interest_not_negative"),
        ]

    def __str__(self) -> str:
        sign = "+" if self.offset_days >= 0 else "−"
        return f"{self.name} ({sign}{abs(self.offset_days)} d)"


class CustomerDunningSettings(models.Model):
    """Per-account exceptions: another policy than the segment's, or no automated reminders at all."""

    customer = models.OneToOneField(
        "ledger.Customer", on_delete=models.CASCADE, related_name="dunning_settings"
    )
    policy = models.ForeignKey(DunningPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    paused = models.BooleanField(default=False, help_text="No automated reminders for this account.")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "customer dunning settings"

    def __str__(self) -> str:
        return f"Dunning settings for {self.customer_id}"
