"""Read paths of the team pages: who is on the team and who may see whom, targets against cash, the
digest's recipients and the help-needed flags. The dashboard is `team.dashboard`, the weekly
one-on-one `team.one_on_one`. Every figure comes from reporting (work_metrics, the forecast) so the
team pages and the reports agree; each function runs a fixed number of queries."""

from calendar import monthrange
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from core.money import ZERO
from portfolios.access import can_manage, collector_rows, customer_rows, has_role, sees_whole_book
from portfolios.models import Role
from reporting import work_metrics as wm
from reporting.forecast import collected_by_collector
from reporting.forecast_methods import forecast_by_collector
from team.models import HelpRequest, MonthlyTarget


def month_bounds(day: date) -> tuple[date, date]:
    return day.replace(day=1), day.replace(day=monthrange(day.year, day.month)[1])


def collectors_visible_to(user: User) -> QuerySet[User]:
    """A manager sees the collectors of their teams (and those on no team); the head, finance and
    admins every collector; a collector only themselves (`portfolios.access.collector_rows`)."""
    collectors = get_user_model().objects.filter(groups__name=Role.COLLECTOR, is_active=True).order_by("username")
    return collectors.filter(collector_rows(user))


def collectors_managed_by(manager: User) -> QuerySet[User]:
    """The collectors whose summaries a manager receives: those of the teams they manage, or, when
    they manage no team, the collectors on no team (a one-team company rarely sets teams up; another
    team's collectors are never in it). The head of collections receives everyone's."""
    collectors = get_user_model().objects.filter(groups__name=Role.COLLECTOR, is_active=True).order_by("username")
    teams = manager.managed_teams.all()
    if teams.exists() and not sees_whole_book(manager):
        return collectors.filter(collector_profile__team__in=teams).distinct()
    return collectors.filter(collector_rows(manager))


def managers_to_mail() -> QuerySet[User]:
    return get_user_model().objects.filter(groups__name=Role.MANAGER, is_active=True).exclude(email="").order_by("pk")


# --- Targets ------------------------------------------------------------------------------------------------


def month_targets(month: date, collector_ids: Collection[int]) -> dict[int, Decimal]:
    """Each collector's target for the month: their own target, plus the targets set on the portfolios
    they hold. One query."""
    rows = (
        MonthlyTarget.objects.filter(month=month)
        .values_list("collector_id", "portfolio__collector_id", "amount")
    )
    targets: dict[int, Decimal] = {}
    for own, through_portfolio, amount in rows:
        key = own or through_portfolio
        if key in collector_ids:
            targets[key] = targets.get(key, ZERO) + amount
    return targets


@dataclass
class TargetRow:
    collector: User | None  # None on the totals row
    target: Decimal | None
    collected: Decimal
    forecast: Decimal
    method: str = "rule"  # the forecast's method: the default one (reporting.forecast_methods)

    @property
    def gap(self) -> Decimal | None:
        """Month target − collected month to date."""
        return None if self.target is None else self.target - self.collected

    @property
    def projected_gap(self) -> Decimal | None:
        """Month target − (collected month to date + forecast to month end)."""
        return None if self.target is None else self.target - (self.collected + self.forecast)

    @property
    def attainment(self) -> Decimal | None:
        return wm.percent(self.collected, self.target)


def target_rows(*, collectors: Iterable[User], as_of: date) -> list[TargetRow]:
    """One row per collector, in the order given."""
    collectors = list(collectors)
    first, last = month_bounds(as_of)
    ids = {c.pk for c in collectors}
    targets = month_targets(first, ids)
    collected = collected_by_collector(first, as_of)
    method, expected = forecast_by_collector(as_of=as_of, horizon_end=last)
    return [
        TargetRow(c, targets.get(c.pk), collected.get(c.username, ZERO), expected.get(c.username, ZERO), method)
        for c in collectors
    ]


@dataclass
class TargetTotals(TargetRow):
    """The team's row: collected and forecast of every collector, but the gaps only over the collectors
    that have a target (a target compared with the whole team's cash would be no gap at all)."""

    target_collected: Decimal = ZERO  # collected by the collectors that have a target
    target_forecast: Decimal = ZERO
    without_target: int = 0  # collectors left out of the gaps

    @property
    def gap(self) -> Decimal | None:
        return None if self.target is None else self.target - self.target_collected

    @property
    def projected_gap(self) -> Decimal | None:
        return None if self.target is None else self.target - (self.target_collected + self.target_forecast)

    @property
    def attainment(self) -> Decimal | None:
        return wm.percent(self.target_collected, self.target)


def target_totals(rows: list[TargetRow]) -> TargetTotals:
    with_target = [r for r in rows if r.target is not None]
    return TargetTotals(
        None, sum((r.target for r in with_target if r.target is not None), ZERO) if with_target else None,
        sum((r.collected for r in rows), ZERO), sum((r.forecast for r in rows), ZERO),
        rows[0].method if rows else "rule", target_collected=sum((r.collected for r in with_target), ZERO),
        target_forecast=sum((r.forecast for r in with_target), ZERO),
        without_target=len(rows) - len(with_target),
    )


# --- Help needed ----------------------------------------------------------------------------------------------


def can_raise_help(user: User) -> bool:
    """Help-needed flags are the collector's; managers resolve them."""
    return has_role(user, Role.COLLECTOR)


def help_requests_for(user: User, limit: int = 100) -> list[HelpRequest]:
    """A collector sees the flags they raised; a manager those on their teams' accounts; the head,
    finance and admins everyone's; open first."""
    items = HelpRequest.objects.select_related("customer", "raised_by", "resolved_by")
    if not sees_whole_book(user):  # a manager: the flags on their teams' accounts
        items = items.filter(customer_rows(user, "customer") if can_manage(user) else Q(raised_by=user))
    return list(items.order_by("status", "-created_at")[:limit])
