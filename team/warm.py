"""The morning's manager and finance pages computed before anyone opens them.

At nine a manager opens the team dashboard, finance the forecast; on a large book each costs
seconds the first time (issue 18). After the 06:00 dunning run (the last morning job that moves
what these pages show before people arrive) the beat task computes the figures of the pages a
manager or finance user opens with their default filters, exactly as those pages ask for them, and
keeps them REPORT_WARM_SECONDS. A money move or a saved target later in the day makes them obsolete
at once (the generations in reporting/cache.py), as for any kept figure.

Users who see the same thing share the same figures: the whole-book forecast is computed once,
not once per finance user.
"""

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet

from portfolios.access import has_role, sees_everything
from portfolios.models import Role
from reporting import metrics, selectors
from reporting.cache import warming
from reporting.forms import ReportFilters
from reporting.root_causes import months_back, root_causes
from team import e_delivery
from team.dashboard import team_dashboard
from team.one_on_one import last_week, one_on_one_summary, week_of
from team.selectors import collectors_managed_by, collectors_visible_to, target_rows

DEFAULT_PERIOD_DAYS = 30  # team.forms.PeriodForm's default


def morning_readers() -> QuerySet[User]:
    """Who opens the manager and finance pages: active managers, heads of collections and finance."""
    return (get_user_model().objects.filter(is_active=True, groups__name__in=[Role.MANAGER, Role.HEAD, Role.FINANCE])
            .distinct().order_by("pk"))


def morning_figures_warm(today: date) -> int:
    """Compute and keep the figures of each reader's morning pages (dashboard, targets, report index,
    aging, DSO, KPIs, forecast and root causes with their default filters, last week's one-on-ones
    of the collectors they manage, the e-delivery page). Returns the number of figures computed (shared ones once)."""
    if settings.REPORT_CACHE_SECONDS <= 0:
        return 0
    with warming() as page:
        for user in morning_readers():
            _warm_for(user, today)
        return len(page.computed)


def _warm_for(user: User, today: date) -> None:
    collectors = list(collectors_visible_to(user))  # as team.views.team passes it: a list
    team_dashboard(collectors=collectors, as_of=today, period_days=DEFAULT_PERIOD_DAYS, families=False)
    target_rows(collectors=collectors, as_of=today)
    chosen = ReportFilters(None, sees_everything=sees_everything(user)).chosen(user)
    as_of, scope = chosen["as_of"], chosen["scope"]
    metrics.aging(as_of=as_of, **scope)
    metrics.dso(as_of, **scope)
    selectors.aging_page(as_of=as_of, group_by=chosen["group_by"], scope=scope)
    selectors.dso_page(as_of=as_of, scope=scope, window_days=chosen["window_days"])
    selectors.kpi_history(as_of=as_of, scope=scope)
    if has_role(user, Role.MANAGER, Role.FINANCE, Role.ADMIN):  # reporting.views.forecast's readers
        selectors.forecast_page(as_of=as_of, horizon_end=chosen["horizon_end"], scope=scope)
    if sees_everything(user):  # the root-causes page reads the whole book for them
        root_causes(start=months_back(today, 12), end=today, customers=None)
    if has_role(user, Role.MANAGER, Role.HEAD):
        week = week_of(last_week(today))
        for collector in collectors_managed_by(user):
            one_on_one_summary(collector=collector, week_start=week)
    _e_delivery_warm(user, today)


def _e_delivery_warm(user: User, today: date) -> None:
    """The e-delivery page as `team.e_delivery_views.e_delivery_page` asks for it by default."""
    scope = e_delivery.scope_of(user)
    e_delivery.coverage_kept(**scope)
    e_delivery.worklist_page(**scope, reason="", sort="balance", page="1", per_page=e_delivery.ROWS_PER_PAGE)
    e_delivery.goals_progress(today)
