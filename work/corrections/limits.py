"""How much money one person may move alone, and whether a second manager must approve.

Each role has a limit in the base currency (`settings.APPROVAL_LIMITS`; managers and admins have
`settings.LEDGER_APPROVAL_THRESHOLD` unless it names them): a user's limit is that of their highest
role, 0.00 without any. An amount is compared in the base currency, converted (`ledger.fx`) at the
document's date (a payment's received date, an invoice's issue date), as every report converts
(METRICS.md). An amount in a currency without any FX rate cannot be shown to be within a limit, so
it always waits for approval.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User

from core.money import CENT, ZERO
from ledger.fx import rate_expression
from ledger.models import Invoice, Payment
from portfolios.access import roles_of
from portfolios.models import Role

# Roles whose limit defaults to the ledger's approval threshold.
THRESHOLD_ROLES = (Role.MANAGER, Role.ADMIN)


def approval_limit(user: User | None) -> Decimal:
    """What `user` may credit, write off or reverse alone, in the base currency. Nobody (an import,
    a script) acts with the managers' threshold: there is no one to ask for approval."""
    if user is None:
        return Decimal(settings.LEDGER_APPROVAL_THRESHOLD)
    limits = dict(settings.APPROVAL_LIMITS)
    for role in THRESHOLD_ROLES:
        limits.setdefault(role, settings.LEDGER_APPROVAL_THRESHOLD)
    mine = [Decimal(limits[role]) for role in roles_of(user) if role in limits]
    return max(mine, default=ZERO)


def amount_in_base(document: Payment | Invoice, amount: Decimal) -> Decimal | None:
    """`amount` of the document in the base currency at the document's date; None without a rate."""
    if document.currency == settings.BASE_CURRENCY:
        return amount
    on = "received_date" if isinstance(document, Payment) else "issue_date"
    rate = (type(document).objects.filter(pk=document.pk).annotate(rate=rate_expression(on=on))
            .values_list("rate", flat=True).get())
    return None if rate is None else (amount * rate).quantize(CENT)


def approval_required(user: User | None, amount_base: Decimal | None) -> bool:
    """Above the user's limit (or without an FX rate) a second manager approves."""
    return amount_base is None or amount_base > approval_limit(user)


def why_approval(user: User | None, amount_base: Decimal | None, currency: str) -> str:
    """Why it waits, in the collector's words: "above 1,000.00 USD" or "no FX rate for CHF"."""
    if amount_base is None:
        return f"no FX rate for {currency}"
    return f"above {approval_limit(user):,.2f} {settings.BASE_CURRENCY}"
