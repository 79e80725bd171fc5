"""Small helpers every package's views share."""

import ipaddress

from django.conf import settings
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


def client_address(request: HttpRequest) -> str:
    """The address of the person on the other end, for rate limits and login lockouts.

    Behind TRUSTED_PROXY_HOPS proxies (the documented TLS proxy is one), REMOTE_ADDR is the last
    proxy's and each proxy appended the address it saw to X-Forwarded-For: the client is the entry
    that many places from the right. Entries further left are whatever the client sent, so they are
    never read. With no trusted proxy (0, the default) or a header that is short or not an address,
    REMOTE_ADDR is the answer."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops <= 0:
        return remote
    chain = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(chain) < hops:
        return remote
    candidate = chain[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def is_partial(request: HttpRequest) -> bool:
    """An HTMX request that wants a fragment (a history restore after a cache miss wants the page)."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request
