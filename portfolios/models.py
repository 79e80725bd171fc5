"""Who owns which accounts: teams, collectors, portfolios and the history of assignments."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.generations import owners_changed


class Role:
    """The roles are Django groups; a superuser counts as admin. A manager manages the teams they are
    the manager of; the head of collections is a manager of every team."""

    COLLECTOR = "collector"
    MANAGER = "manager"
    HEAD = "head_of_collections"
    FINANCE = "finance"
    ADMIN = "admin"
    ALL = (COLLECTOR, MANAGER, HEAD, FINANCE, ADMIN)


class AccountsOwner(models.Model):
    """Who owns which accounts decides who sees them: saving a team, a collector's profile or a
    portfolio (in the admin, an import) makes the figures kept from the accounts, and the reports
    kept per collector or team, obsolete."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        owners_changed()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        owners_changed()
        return super().delete(*args, **kwargs)


class Team(AccountsOwner):
    name = models.CharField(max_length=80, unique=True)
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="managed_teams")

    def __str__(self) -> str:
        return self.name


class CollectorProfile(AccountsOwner):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="collector_profile")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="collectors")
    title = models.CharField(max_length=80, default="Collections specialist")
    phone = models.CharField(max_length=40, blank=True)
    signature = models.TextField(blank=True, help_text="Closing lines used in emails sent in this collector's name.")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class Portfolio(AccountsOwner):
    name = models.CharField(max_length=80, unique=True)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="portfolios"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="portfolios")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A customer belonged to a portfolio from `starts_on` until `ends_on` (open-ended while current)."""

    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="assignments")
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="assignments")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(ends_on__isnull=True), name="one_current_assignment_per_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.portfolio} from {self.starts_on}"
