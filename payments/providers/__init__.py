"""The configured payment provider (settings.PAYMENTS_PROVIDER) or the one a webhook URL names."""

from django.conf import settings

from payments.providers.base import Provider
from payments.providers.sandbox import SandboxProvider
from payments.providers.stripe import StripeProvider

PROVIDERS: dict[str, type] = {"sandbox": SandboxProvider, "stripe": StripeProvider}


def provider(name: str | None = None) -> Provider:
    """`name` None: the configured provider. A webhook names its provider in the URL, so a late
    event of a provider switched off since (a refund) is still verified with its own scheme."""
    name = name or settings.PAYMENTS_PROVIDER
    if name not in PROVIDERS:
        raise LookupError(f"{name!r} is not a payment provider")
    return PROVIDERS[name]()
