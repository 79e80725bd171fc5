"""Who may see what and who may do what: every page, report and API endpoint asks here.

Rows: a collector sees the accounts of their portfolios; managers, finance and admins see the
whole book; an integration user (the "integration" group, whose API token an ERP uses) sees the
whole book through the API. The rule is written once, as a filter (`customer_rows`), that the
layers above apply to customers or to any row that leads to a customer.

Actions: `role_required` guards pages; `RolePermission` and `ImportPermission` guard the API
(finance reads everything and changes nothing)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from rest_framework.permissions import SAFE_METHODS, BasePermission

from portfolios.models import Role


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached.add(Role.ADMIN)
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def sees_everything(user) -> bool:
    """Managers, finance and admins see the whole book; a collector sees their portfolios."""
    return has_role(user, Role.MANAGER, Role.FINANCE, Role.ADMIN)


def can_manage(user) -> bool:
    return has_role(user, Role.MANAGER, Role.ADMIN)


def _rows(user, path: str, whole_book: bool) -> Q:
    prefix = f"{path}__" if path else ""
    if whole_book:
        return Q()
    if has_role(user, Role.COLLECTOR):
        return Q(**{f"{prefix}portfolio__collector": user})
    return Q(**{f"{prefix}pk__in": []})


def customer_rows(user, path: str = "") -> Q:
    """The accounts `user` may see, as a filter on customers (`path` "") or on rows whose customer
    is at `path` ("customer", "invoice__customer"). Nothing for a user without a role."""
    return _rows(user, path, sees_everything(user))


INTEGRATION = "integration"
API_WRITERS = (Role.COLLECTOR, Role.MANAGER, Role.ADMIN, INTEGRATION)
API_IMPORTERS = (Role.MANAGER, Role.ADMIN, INTEGRATION)


def api_sees_whole_book(user) -> bool:
    return has_role(user, Role.MANAGER, Role.FINANCE, Role.ADMIN, INTEGRATION)


def api_customer_rows(user, path: str = "") -> Q:
    """What an API user may touch: as `customer_rows`, and the whole book for integration users."""
    return _rows(user, path, api_sees_whole_book(user))


def api_scoped(queryset, user, customer_path: str = "customer"):
    """Narrow any queryset to the rows of the API user's customers (no join when they see everything)."""
    if api_sees_whole_book(user):
        return queryset
    return queryset.filter(api_customer_rows(user, customer_path))


class RolePermission(BasePermission):
    """API: any role may read; finance may not write; users without a role get nothing."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return has_role(user, *Role.ALL, INTEGRATION)
        return has_role(user, *API_WRITERS)


class ImportPermission(BasePermission):
    """API: bulk upserts change the ledger for the whole book: managers, admins and integrations only."""

    message = "Only managers and integration users may import."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and has_role(request.user, *API_IMPORTERS))


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
