from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from portfolios.access import has_role
from portfolios.models import Role


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands where its day starts: collectors on the queue, managers on the team
    dashboard, finance on the forecast."""
    user = request.user
    if has_role(user, Role.MANAGER):
        return redirect("team")
    if has_role(user, Role.FINANCE):
        return redirect("forecast")
    return redirect("queue")
