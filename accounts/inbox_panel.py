"""The workspace's inbox panel: the customer's mail, threaded under the messages of ours it answers,
with a "Reply" on each (the form opens in the panel; accounts.inbox_actions sends it)."""

from typing import Any

from django.http import HttpRequest

from inbox.selectors import customer_threads
from ledger.models import Customer
from portfolios.access import has_role
from portfolios.models import Role

PANEL = "inbox"


def inbox_context(request: HttpRequest, customer: Customer, forms: dict[str, Any]) -> dict[str, Any]:
    """The latest mail from the account (one query, and one for attachments when there is mail); the
    reply being written (`reply_form` for the email `reply_to`), with its errors after a refusal."""
    return {
        "customer": customer,
        "can_work": has_role(request.user, Role.COLLECTOR, Role.MANAGER, Role.ADMIN),
        "inbox_threads": customer_threads(customer),
        "reply_form": forms.get("reply_form"),
        "reply_to": forms.get("reply_to"),
    }
