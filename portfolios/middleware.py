"""Every page request passes the role table (`portfolios.role_table`) before its view runs: an
anonymous visitor is sent to sign in, a role the rule does not allow gets 403, and a page that
changes something without a rule in the table is refused (a new view must say who may use it). A
method the rule lists nobody for is left to the view, which answers 405 (`require_POST`, ...).
The API is left to DRF, whose `RolePermission` asks the same table once the token is read; the
admin site keeps its own staff checks."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from portfolios.access import roles_of
from portfolios.role_table import API, SAFE_METHODS, rule_for


class RoleTableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        match = request.resolver_match
        if match is None or "admin" in match.namespaces:
            return None
        rule = rule_for(match.view_name)
        if rule is None:
            if request.method in SAFE_METHODS:
                return None  # the view's own decorator decides; the role table test flags the gap
            raise PermissionDenied("This action has no rule in the role table.")
        if not rule.signed_in or rule.kind == API or not rule.serves(request.method):
            return None  # public, token-checked by DRF, or a method the view answers with 405
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not rule.allows(roles_of(request.user), request.method):
            raise PermissionDenied("Your role does not allow this.")
        return None
