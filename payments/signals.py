"""What payments tells the packages above it (autopay, the portal's receipts, reminders). Each is
sent on transaction commit, so a receiver never sees money that was rolled back.

- payment_succeeded(request): the money is posted to the ledger.
- payment_pending(request): the provider is still clearing it (bank transfer, direct debit).
- payment_failed(request): declined, failed after clearing, or expired unpaid.
- payment_reversed(request): refunded (fully or in part) or charged back.
- method_saved(method, customer): a card or mandate was saved for off-session charges.
"""

from django.db import transaction
from django.dispatch import Signal

payment_succeeded = Signal()
payment_pending = Signal()
payment_failed = Signal()
payment_reversed = Signal()
method_saved = Signal()


def send_on_commit(signal: Signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender="payments", **kwargs))
