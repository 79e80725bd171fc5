"""What autopay does when payments tells it something (connected in AutopayConfig.ready).

The signals come on commit, after payments posted (or refused) the money, and may come in any
order relative to the answer `charge_saved_method` returned: each handler moves the charge only
from the state it expects, so a signal that arrives twice or late changes nothing.
"""

from autopay import services


def on_method_saved(sender, *, method, customer, **kwargs) -> None:
    services.mandate_activate(method=method, customer=customer)


def on_payment_succeeded(sender, *, request, **kwargs) -> None:
    services.charge_succeeded(request=request)


def on_payment_pending(sender, *, request, **kwargs) -> None:
    services.charge_answered(request=request)


def on_payment_failed(sender, *, request, **kwargs) -> None:
    services.charge_failed(request=request)
