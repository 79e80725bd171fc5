"""The account's own reply-to address, `ar+c<id>-<token>@INBOX_REPLY_DOMAIN`: mail a customer sends
to it is matched to the account (inbox.matching). The token is an HMAC of the customer id, so it
cannot be guessed for another account. Our automatic mail carries it as Reply-To when
INBOX_SET_REPLY_TO is on (the domain must deliver to the inbox: docs/inbox.md)."""

import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

TOKEN_SALT = "inbox.reply-address"
TOKEN = re.compile(r"^ar\+c(?P<pk>\d{1,19})-(?P<sig>[0-9a-f]{16})@(?P<domain>[^@\s]+)$", re.IGNORECASE)


def _signature(customer_id: int) -> str:
    # Lower-case hex: mail systems may change the case of an address's local part.
    return salted_hmac(TOKEN_SALT, str(customer_id)).hexdigest()[:16]


def reply_address_for(customer_id: int) -> str:
    """The account's own reply-to address: mail sent to it is matched to the account."""
    return f"ar+c{customer_id}-{_signature(customer_id)}@{settings.INBOX_REPLY_DOMAIN}"


def customer_id_for_reply_address(address: str) -> int | None:
    """The customer id an `ar+…` address of ours names, if its token is genuine."""
    found = TOKEN.match(address.strip())
    if not found or found["domain"].lower() != settings.INBOX_REPLY_DOMAIN.lower():
        return None
    pk = int(found["pk"])
    return pk if constant_time_compare(found["sig"].lower(), _signature(pk)) else None
