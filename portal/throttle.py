"""A simple limit on portal POSTs, per customer, kept in the cache.

The API has DRF's throttles and the login has django-axes; the portal has no user to lock, so it
counts submissions in fixed windows instead. The budget belongs to the customer the link was issued
for, not to one link: every email carries its own link (and a customer may hold many), so a budget
per link would be as many budgets as emails. Nor is it per client address: behind the office proxy
of a customer, or our own reverse proxy, every customer has the same address. Limits come from
settings (PORTAL_POST_LIMIT per PORTAL_POST_WINDOW seconds) with defaults generous enough for a
real customer.
"""

from django.conf import settings
from django.core.cache import cache


def portal_post_allowed(*, customer_id: int) -> bool:
    """Count this POST; False once the customer went over the limit in this window, whichever of
    their links it came through."""
    limit, window = settings.PORTAL_POST_LIMIT, settings.PORTAL_POST_WINDOW
    key = f"portal:posts:customer:{customer_id}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
