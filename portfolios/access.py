"""Who may see what and who may do what: every page, report and API endpoint asks here.

Rows: a collector sees the accounts of their portfolios; a manager the accounts of the teams they
manage (`Team.manager`) and the accounts on no team (a company that sets up no teams keeps one
shared book); the head of collections, finance and admins see the whole book; an integration user
(the "integration" group, whose API token an ERP uses) sees the whole book through the API. An
account's team is its portfolio's team, or its collector's when the portfolio has none. The rule is
written once, as filters (`customer_rows`, `collector_rows`, `portfolio_rows`), that the layers
above apply to customers, collectors, portfolios or any row that leads to them.

Actions: `portfolios.role_table` says, for every URL, who may open it and who may change anything
through it; `portfolios.middleware` enforces it on every page, `RolePermission` and
`ImportPermission` on the API (finance reads everything and changes nothing). `role_required`
stays on the views as the second lock. The head of collections counts as a manager everywhere."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from rest_framework.permissions import BasePermission

from portfolios.models import Role
from portfolios.role_table import INTEGRATION, rule_for


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached.add(Role.ADMIN)
        if Role.HEAD in cached:
            cached.add(Role.MANAGER)  # a manager of every team
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def sees_everything(user) -> bool:
    """Managers, finance and admins read the company's reports; which rows they open is `customer_rows`."""
    return has_role(user, Role.MANAGER, Role.FINANCE, Role.ADMIN)


def sees_whole_book(user) -> bool:
    """The head of collections, finance and admins open every account; a manager their teams'."""
    return has_role(user, Role.HEAD, Role.FINANCE, Role.ADMIN)


def manages_every_team(user) -> bool:
    return has_role(user, Role.HEAD, Role.ADMIN)


def can_manage(user) -> bool:
    return has_role(user, Role.MANAGER, Role.ADMIN)


def _team_portfolios(user, prefix: str) -> Q:
    """Portfolios (at `prefix`) of the teams `user` manages, or on no team at all."""
    team, collector_team = f"{prefix}team", f"{prefix}collector__collector_profile__team"
    return (
        Q(**{f"{team}__manager": user})
        | Q(**{f"{team}__isnull": True, f"{collector_team}__manager": user})
        | Q(**{f"{team}__isnull": True, f"{collector_team}__isnull": True})
    )


def _rows(user, path: str, whole_book: bool) -> Q:
    prefix = f"{path}__" if path else ""
    if whole_book:
        return Q()
    rows = Q(**{f"{prefix}pk__in": []})
    if has_role(user, Role.MANAGER):
        rows |= Q(**{f"{prefix}portfolio__isnull": True}) | _team_portfolios(user, f"{prefix}portfolio__")
    if has_role(user, Role.COLLECTOR):
        rows |= Q(**{f"{prefix}portfolio__collector": user})
    return rows


def customer_rows(user, path: str = "") -> Q:
    """The accounts `user` may see, as a filter on customers (`path` "") or on rows whose customer
    is at `path` ("customer", "invoice__customer"). Nothing for a user without a role."""
    return _rows(user, path, sees_whole_book(user))


def collector_rows(user, path: str = "") -> Q:
    """The collectors whose queue, one-on-ones, targets and help flags `user` may see, as a filter on
    users (`path` "") or on rows whose collector is at `path`: a collector themselves, a manager the
    collectors of their teams and those on no team, the head, finance and admins everyone."""
    prefix = f"{path}__" if path else ""
    if sees_whole_book(user):
        return Q()
    rows = Q(**{f"{prefix}pk__in": []})
    if has_role(user, Role.MANAGER):
        team = f"{prefix}collector_profile__team"
        rows |= Q(**{f"{team}__manager": user}) | Q(**{f"{team}__isnull": True})
    if has_role(user, Role.COLLECTOR):
        rows |= Q(**{f"{prefix}pk": user.pk})
    return rows


def portfolio_rows(user) -> Q:
    """The portfolios a manager may move accounts into: their teams' and those on no team."""
    if manages_every_team(user):
        return Q()
    if has_role(user, Role.MANAGER):
        return _team_portfolios(user, "")
    return Q(pk__in=[])


def sees_collector(user, collector) -> bool:
    """May `user` open this collector's queue, one-on-ones and figures (`collector_rows`)?"""
    return type(collector).objects.filter(collector_rows(user), pk=collector.pk).exists()


def manages_collector(user, collector) -> bool:
    """May `user` run this collector's one-on-one and set their target: a manager of their team (or
    any manager when the collector is on no team), the head of collections, an admin."""
    return can_manage(user) and sees_collector(user, collector)


def api_sees_whole_book(user) -> bool:
    return sees_whole_book(user) or has_role(user, INTEGRATION)


def api_customer_rows(user, path: str = "") -> Q:
    """What an API user may touch: as `customer_rows`, and the whole book for integration users."""
    return _rows(user, path, api_sees_whole_book(user))


def api_scoped(queryset, user, customer_path: str = "customer"):
    """Narrow any queryset to the rows of the API user's customers (no join when they see everything)."""
    if api_sees_whole_book(user):
        return queryset
    return queryset.filter(api_customer_rows(user, customer_path))


def may_open(user, view_name: str) -> bool:
    """May `user` open the URL named `view_name` (menus ask this; the role table answers)?"""
    rule = rule_for(view_name)
    return rule is not None and rule.allows(roles_of(user), "GET")


def _api_allows(request, view) -> bool:
    user = request.user
    if not (user and user.is_authenticated):
        return False
    match = request.resolver_match
    rule = rule_for(match.view_name) if match else None
    if rule is not None and not rule.serves(request.method):
        return bool(roles_of(user))  # the endpoint answers 405 itself
    return rule is not None and rule.allows(roles_of(user), request.method)


class RolePermission(BasePermission):
    """API: the role table's rule for the endpoint (finance reads and never writes); users without a
    role get nothing."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        return _api_allows(request, view)


class ImportPermission(BasePermission):
    """API: bulk upserts change the ledger for the whole book: managers, admins and integrations only."""

    message = "Only managers and integration users may import."

    def has_permission(self, request, view) -> bool:
        return _api_allows(request, view)


def role_required(*roles: str):
    """Login required, then one of `roles` (403 otherwise). Admins pass every check."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles, Role.ADMIN):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


any_role = role_required(*Role.ALL)
manager_required = role_required(Role.MANAGER)
finance_or_manager_required = role_required(Role.MANAGER, Role.FINANCE)


# Who may do what with money and accounts (the pages, the API and the services ask the same).

def may_hold(user) -> bool:
    """Collectors (on their own accounts), managers and admins put accounts on credit hold."""
    return has_role(user, Role.COLLECTOR, Role.MANAGER, Role.ADMIN, INTEGRATION)


def may_release(user) -> bool:
    """Releasing lets the account's orders flow again: managers, admins and the ERP's integration user."""
    return has_role(user, Role.MANAGER, Role.ADMIN, INTEGRATION)


# Late fees and interest the dunning run proposes: the account's collector or a manager approves
# or waives them (admins too).
charge_deciders_required = role_required(Role.COLLECTOR, Role.MANAGER)


# Reversing a payment, writing off or voiding an invoice (work.corrections): managers and admins;
# above settings.LEDGER_APPROVAL_THRESHOLD a second one, never the one who asked, approves.
def may_correct_ledger(user) -> bool:
    """Managers and admins correct the ledger and approve each other's corrections."""
    return has_role(user, Role.MANAGER, Role.ADMIN)


ledger_correctors_required = role_required(Role.MANAGER)
