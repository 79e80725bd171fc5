"""Who may read and write through the API.

Rows are narrowed per user before any lookup, so another portfolio's object is simply not found
(404). Writes are refused (403) to finance, who read everything and change nothing. Managers,
admins and integration users see the whole book; an integration user is a user in the
"integration" group (or "admin"), whose token an ERP uses.
"""

from django.db.models import QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission

from portfolios.access import has_role, visible_customers
from portfolios.models import Role

INTEGRATION = "integration"
WRITERS = (Role.COLLECTOR, Role.MANAGER, Role.ADMIN, INTEGRATION)
IMPORTERS = (Role.MANAGER, Role.ADMIN, INTEGRATION)


def api_customers(user) -> QuerySet:
    """The customers this user's requests may touch."""
    from collections_app.models import Customer

    if has_role(user, INTEGRATION):
        return Customer.objects.all()
    return visible_customers(user)


def sees_whole_book(user) -> bool:
    return has_role(user, Role.MANAGER, Role.FINANCE, Role.ADMIN, INTEGRATION)


def scoped(queryset: QuerySet, user, customer_path: str = "customer") -> QuerySet:
    """Narrow any queryset to the rows of the user's customers (no join when they see everything)."""
    if sees_whole_book(user):
        return queryset
    return queryset.filter(**{f"{customer_path}__in": api_customers(user)})


class RolePermission(BasePermission):
    """Any role may read; finance may not write; users without a role get nothing."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return has_role(user, *Role.ALL, INTEGRATION)
        return has_role(user, *WRITERS)


class ImportPermission(BasePermission):
    """Bulk upserts change the ledger for the whole book: managers, admins and integrations only."""

    message = "Only managers and integration users may import."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and has_role(request.user, *IMPORTERS))
