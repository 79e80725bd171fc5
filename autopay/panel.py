"""The account workspace's autopay panel: what it shows and who may act on it.

The workspace page renders it with the `{% autopay_panel customer %}` tag (autopay.templatetags)
in the same request as every other panel; its pause and resume answer with it alone
(accounts.autopay). One place builds its context for both."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from autopay.selectors import autopay_state
from ledger.models import Customer
from portfolios.access import has_role
from portfolios.models import Role

TEMPLATE = "accounts/_autopay.html"


@dataclass(frozen=True)
class PanelFlash:
    text: str
    error: bool = False


def may_pause_autopay(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Collectors (on their own accounts: the role table's scope) and managers pause and resume autopay."""
    return has_role(user, Role.COLLECTOR, Role.MANAGER, Role.ADMIN)


def panel_context(user: AbstractBaseUser | AnonymousUser, customer: Customer, *, flash: PanelFlash | None = None,
                  reason: str = "", reason_error: str = "") -> dict[str, Any]:
    """The panel's context; `reason`/`reason_error` give a refused pause its text and its error back."""
    return {"customer": customer, "autopay": autopay_state(customer), "can_pause": may_pause_autopay(user),
            "autopay_flash": flash, "pause_reason": reason, "pause_reason_error": reason_error}
