"""Which open invoices an amount pays: one of exactly that amount, a combination, the account total.

A customer who names no invoice usually pays one invoice in full, several at once, or the total of
the statement we sent. A combination is searched among at most `POOL` of the customer's open
invoices (oldest due first) and `max_invoices` at a time, with a budget of steps, so one customer
with hundreds of open invoices cannot stall a statement; two combinations that both fit make the
answer ambiguous, which lowers the confidence.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cashapp.matching.facts import OpenInvoice

POOL = 24  # open invoices searched for a combination
STEPS = 20_000  # search steps per receipt and customer


@dataclass(frozen=True)
class Combination:
    invoices: tuple[OpenInvoice, ...]
    unique: bool  # no other combination within the bounds sums to the amount


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def exactly(invoices: Sequence[OpenInvoice], amount: Decimal) -> list[OpenInvoice]:
    """Open invoices of exactly `amount`, oldest due first."""
    return sorted((i for i in invoices if i.open_amount == amount), key=lambda i: (i.due_date, i.id))


def combination(invoices: Sequence[OpenInvoice], amount: Decimal, max_invoices: int) -> Combination | None:
    """Two to `max_invoices` open invoices whose open amounts sum to `amount` exactly (bounded)."""
    pool = sorted((i for i in invoices if i.open_amount < amount), key=lambda i: (i.due_date, i.id))[:POOL]
    if len(pool) < 2:
        return None
    values = [cents(i.open_amount) for i in pool]
    order = sorted(range(len(pool)), key=lambda k: -values[k])
    values = [values[k] for k in order]
    pool = [pool[k] for k in order]
    suffix = [0] * (len(values) + 1)
    for k in range(len(values) - 1, -1, -1):
        suffix[k] = suffix[k + 1] + values[k]
    target = cents(amount)
    found: list[tuple[int, ...]] = []
    steps = 0

    def search(start: int, left: int, chosen: tuple[int, ...]) -> None:
        nonlocal steps
        for k in range(start, len(values)):
            steps += 1
            if len(found) > 1 or steps > STEPS or suffix[k] < left:
                return
            if values[k] > left:
                continue
            picked = (*chosen, k)
            if values[k] == left:
                if len(picked) >= 2:
                    found.append(picked)
                continue
            if len(picked) < max_invoices:
                search(k + 1, left - values[k], picked)

    search(0, target, ())
    if not found:
        return None
    chosen = tuple(sorted((pool[k] for k in found[0]), key=lambda i: (i.due_date, i.id)))
    return Combination(invoices=chosen, unique=len(found) == 1 and steps <= STEPS)


def fill(invoices: Sequence[OpenInvoice], amount: Decimal) -> list[tuple[int, Decimal]]:
    """Apply `amount` to `invoices` in the given order, each up to its open amount."""
    allocations, left = [], amount
    for invoice in invoices:
        if left <= 0:
            break
        applied = min(invoice.open_amount, left)
        allocations.append((invoice.id, applied))
        left -= applied
    return allocations


def short_pay_tolerance(total: Decimal, percent: Decimal, base_cap: Decimal) -> Decimal:
    """How much short of `total` still counts as paying it: `percent` of it, at most `base_cap`
    (already in the invoices' currency)."""
    return min((total * percent / 100).quantize(Decimal("0.01")), base_cap)
