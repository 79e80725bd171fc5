"""Content-Security-Policy: the browser runs only our own static scripts and styles.

Every page's JavaScript is a file under static/ (no inline <script>, no on…= handler, htmx with
`allowEval: false`), so `script-src 'self'` holds without 'unsafe-inline' or 'unsafe-eval'. The
policy is settings.CSP_POLICY; a view that needs another one (the API's Swagger page) sets its own
header and this middleware leaves it alone.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "CSP_POLICY", "")
        if policy and HEADER not in response:
            response[HEADER] = policy
        return response
