from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from portfolios.access import has_role
from portfolios.models import Role


def _first_page(*names: str) -> str:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return reverse("admin:index")


@require_GET
@login_required
def home(request):
    """Each role lands where its day starts: collectors on the queue, managers on the team
    dashboard, finance on the forecast."""
    user = request.user
    if has_role(user, Role.MANAGER):
        return redirect(_first_page("team", "accounts"))
    if has_role(user, Role.FINANCE):
        return redirect(_first_page("forecast", "reports", "accounts"))
    return redirect(_first_page("queue", "accounts"))
