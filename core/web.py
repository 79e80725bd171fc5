"""Small helpers every package's views share."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails


def safe_next_url(request: HttpRequest, fallback: str, field: str = "next") -> str:
    """The page a form asked to go back to, when it is a path on this site; else `fallback`.
    Refuses other hosts, scheme-relative `//host` and `/\\host` (browsers read it as `//host`)."""
    back = request.POST.get(field, "") or request.GET.get(field, "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return fallback


def is_partial(request: HttpRequest) -> bool:
    """An HTMX request that wants a fragment (a history restore after a cache miss wants the page)."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request
