"""Who may see what. Every page, report and API endpoint narrows its rows through here."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from .models import Role


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


def visible_customers(user) -> QuerySet:
    from collections_app.models import Customer

    if sees_everything(user):
        return Customer.objects.all()
    if has_role(user, Role.COLLECTOR):
        return Customer.objects.filter(portfolio__collector=user)
    return Customer.objects.none()


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
