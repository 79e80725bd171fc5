"""What the manager keeps about the team: month-end targets, weekly one-on-ones, help requests,
the Monday digest and e-delivery goals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.money import MONEY
from portfolios.models import Portfolio, Team


class MonthlyTarget(models.Model):
    """How much cash a collector (or a portfolio) is expected to bring in during one calendar month."""

    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="collection_targets"
    )
    portfolio = models.ForeignKey(Portfolio, null=True, blank=True, on_delete=models.PROTECT, related_name="targets")
    month = models.DateField(help_text="The first day of the month the target is for.")
    amount = models.DecimalField(**MONEY)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "portfolios_monthlytarget"  # kept from the app it was created in
        ordering = ["-month", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(collector__isnull=False, portfolio__isnull=True)
                           | Q(collector__isnull=True, portfolio__isnull=False)),
                name="target_for_collector_or_portfolio",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="target_amount_not_negative"),
            models.UniqueConstraint(fields=["collector", "month"], condition=Q(collector__isnull=False),
                                    name="one_target_per_collector_month"),
            models.UniqueConstraint(fields=["portfolio", "month"], condition=Q(portfolio__isnull=False),
                                    name="one_target_per_portfolio_month"),
        ]

    def __str__(self) -> str:
        return f"{self.collector or self.portfolio} {self.month:%Y-%m}: {self.amount}"


class HelpRequest(models.Model):
    """A collector's "help needed" flag on an account, raised for the manager's next one-on-one."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="help_requests")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="help_requests")
    message = models.CharField(max_length=300)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "portfolios_helprequest"  # kept from the app it was created in
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["raised_by", "status"])]

    def __str__(self) -> str:
        return f"Help needed on {self.customer_id}: {self.message[:40]}"


class OneOnOne(models.Model):
    """The weekly one-on-one between a manager and a collector about one week's work (Monday to
    Sunday): the generated summary as it stood when saved, and the manager's notes and actions."""

    collector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="one_on_ones")
    week_start = models.DateField(help_text="The Monday of the week reviewed.")
    summary = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    action_items = models.TextField(blank=True)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "portfolios_oneonone"  # kept from the app it was created in
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["collector", "week_start"], name="one_one_on_one_per_collector_week"),
        ]

    def __str__(self) -> str:
        return f"One-on-one {self.collector} week of {self.week_start}"


class WeeklyDigest(models.Model):
    """The Monday email to a manager with the week's one-on-one summaries; one row per manager per
    week is the claim that makes sure it is never sent twice."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="weekly_digests")
    week_start = models.DateField(help_text="The Monday of the week summarised.")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    collectors = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "portfolios_weeklydigest"  # kept from the app it was created in
        ordering = ["-week_start", "manager_id"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "week_start"], name="one_digest_per_manager_week"),
        ]

    def __str__(self) -> str:
        return f"Digest for {self.manager} week of {self.week_start}"


class EDeliveryGoal(models.Model):
    """A manager's goal for moving customers from paper to email: reach `target_share` of customers
    with a valid AP email and e-delivery on by `ends_on`, from `baseline_share` measured on `starts_on`.
    A team's goal covers its collectors' portfolios; a goal without a team covers the whole book."""

    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="e_delivery_goals")
    starts_on = models.DateField()
    ends_on = models.DateField()
    baseline_share = models.DecimalField(max_digits=5, decimal_places=4, help_text="0.6250 = 62.5 % of customers.")
    target_share = models.DecimalField(max_digits=5, decimal_places=4)
    note = models.CharField(max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "portfolios_edeliverygoal"  # kept from the app it was created in
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="goal_ends_after_start"),
            models.CheckConstraint(
                condition=Q(target_share__gte=0, target_share__lte=1, baseline_share__gte=0, baseline_share__lte=1),
                name="goal_shares_are_fractions",
            ),
        ]

    def __str__(self) -> str:
        return f"E-delivery {self.baseline_share:.0%} → {self.target_share:.0%} by {self.ends_on}"
