"""A simple limit on portal POSTs, per link and per client address, kept in the cache.

The API has DRF's throttles and the login has django-axes; the portal has no user to lock, so it
counts submissions in fixed windows instead. Limits come from settings (PORTAL_POST_LIMIT per
PORTAL_POST_WINDOW seconds) with defaults generous enough for a real customer.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _limits() -> tuple[int, int]:
    return getattr(settings, "PORTAL_POST_LIMIT", 20), getattr(settings, "PORTAL_POST_WINDOW", 3600)


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def portal_post_allowed(request, token: str) -> bool:
    """Count this POST; False once the link or the address went over the limit in this window."""
    limit, window = _limits()
    digest = hashlib.sha256(token.encode()).hexdigest()[:32]
    allowed = True
    for key in (f"portal:posts:link:{digest}", f"portal:posts:ip:{_client_ip(request)}"):
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
        # The address limit is wider: several customers may sit behind one office proxy.
        if count > (limit if ":link:" in key else limit * 5):
            allowed = False
    return allowed
