"""Signed portal links: no password, an expiry, and revocable per customer.

A token is `django.core.signing.dumps({"c": customer id, "v": link version, "f": family?, "x": expiry})`
with a salt of its own. It proves the link came from us (SECRET_KEY), says until when it is good, and
carries the customer's link version at issue time: `portal.services.portal_access_revoke` bumps the
version and every older link dies with it.
"""

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ledger.hierarchy import subtree_ids
from ledger.models import Customer
from portal.models import PortalAccess

SALT = "portal.link.v1"
DEFAULT_MAX_AGE_DAYS = 60
# No link lives longer than this, whatever it says about itself.
HARD_MAX_AGE_DAYS = 400
DAY = 86400


class PortalLinkError(Exception):
    """A link that must show no data. `status` is the HTTP answer: 403 tampered, 410 expired/revoked.
    `customer_id` is the customer a genuine (signed) link was issued for, when it says so: the error
    page is then in their language; it is never used to show anything of theirs."""

    status = 403
    title = _("This link is not valid")
    explanation = _("The address may have been cut or changed. Please use the link from your latest email.")

    def __init__(self, reason: str = "", *, customer_id: int | None = None):
        super().__init__(reason or str(self.title))
        self.customer_id = customer_id


class TamperedLink(PortalLinkError):
    pass


class ExpiredLink(PortalLinkError):
    status = 410
    title = _("This link has expired")
    explanation = _("Links in our emails work for a limited time. Ask us for a new one: reply to any of our emails, "
                    "or use the link in your latest reminder or statement.")


class RevokedLink(PortalLinkError):
    status = 410
    title = _("This link is no longer active")
    explanation = _("A newer link has replaced it. Please use the link from your latest email, or contact us.")


@dataclass(frozen=True)
class PortalLink:
    """A checked link: the customer it was issued for and every account it may show."""

    token: str
    customer: Customer
    family: bool
    customer_ids: tuple[int, ...] = field(default=())

    @property
    def accounts(self):
        return Customer.objects.filter(pk__in=self.customer_ids).order_by("name")


def _current_version(customer: Customer) -> int:
    """Read-only: a customer whose links were never revoked has no PortalAccess row and version 1,
    so showing a link on a page never writes."""
    version = PortalAccess.objects.filter(customer=customer).values_list("version", flat=True).first()
    return version or PortalAccess._meta.get_field("version").default


def portal_token_for(customer: Customer, *, family: bool = False, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> str:
    if not 0 < max_age_days <= HARD_MAX_AGE_DAYS:
        raise ValueError(f"max_age_days must be between 1 and {HARD_MAX_AGE_DAYS}")
    version = _current_version(customer)
    expires = int(time.time()) + max_age_days * DAY
    payload = {"c": customer.pk, "v": version, "f": int(bool(family)), "x": expires}
    return signing.dumps(payload, salt=SALT, compress=True)


def portal_url_for(customer: Customer, *, family: bool = False, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> str:
    """The absolute link to put in a reminder or statement. `family=True` on an account with accounts
    below it (a top, or a parent at any level) shows its whole subtree."""
    token = portal_token_for(customer, family=family, max_age_days=max_age_days)
    return f"{settings.SITE_URL}{reverse('portal_home', args=[token])}"


# --- family ---
def shows_family(customer: Customer) -> bool:
    """Whether the customer's link is a family link: a top (as ever), or a parent below the top (one
    query), whose link shows every account below it."""
    return customer.parent_id is None or Customer.objects.filter(parent_id=customer.pk).exists()
# --- end family ---


def _signed_customer(token: str) -> int | None:
    """The customer a genuine link older than HARD_MAX_AGE_DAYS names (its signature still holds)."""
    try:
        return int(signing.loads(token, salt=SALT)["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def portal_link_check(token: str) -> PortalLink:
    """Check a token and say what it may show; raise a PortalLinkError subclass otherwise."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=HARD_MAX_AGE_DAYS * DAY)
    except signing.SignatureExpired:
        raise ExpiredLink(customer_id=_signed_customer(token)) from None
    except (signing.BadSignature, ValueError):
        raise TamperedLink() from None
    try:
        customer_id, version, family, expires = int(payload["c"]), int(payload["v"]), bool(payload["f"]), payload["x"]
    except (KeyError, TypeError, ValueError):
        raise TamperedLink() from None
    if time.time() > expires:
        raise ExpiredLink(customer_id=customer_id)
    access = PortalAccess.objects.select_related("customer").filter(customer_id=customer_id).first()
    customer = access.customer if access else Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise TamperedLink()
    if (access.version if access else PortalAccess._meta.get_field("version").default) != version:
        raise RevokedLink(customer_id=customer.pk)
    # --- family --- a family link shows the customer and every account below it, at any depth
    ids = subtree_ids(customer) if family else [customer.pk]
    # --- end family ---
    return PortalLink(token=token, customer=customer, family=family, customer_ids=tuple(ids))
