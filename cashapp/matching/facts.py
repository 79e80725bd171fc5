"""What the matching engine reads, as plain values: a receipt, the open invoices and the customers.

The engine (`cashapp.matching.engine`) is pure: `cashapp.matching.book` loads these from the
database once per run, so matching a statement costs a few queries whatever its length, and the
rules can be tested without a database.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Receipt:
    """One customer credit on a statement. `texts` are (where, text): "remittance text",
    "structured reference", "end-to-end id", "remittance advice"."""

    key: int | str
    amount: Decimal
    currency: str
    value_date: date
    counterparty_name: str = ""
    counterparty_account: str = ""
    texts: tuple[tuple[str, str], ...] = ()


@dataclass
class OpenInvoice:
    id: int
    number: str
    customer_id: int
    open_amount: Decimal
    currency: str
    due_date: date
    po_number: str = ""


@dataclass(frozen=True)
class Payer:
    """A customer as the matching knows it: its name and the top of its account family (any depth)."""

    id: int
    name: str
    family_head_id: int


@dataclass(frozen=True)
class MatchRules:
    """The settings the engine applies (`cashapp.matching.book.rules_from_settings`)."""

    auto_apply: Decimal = Decimal("90")
    short_pay_percent: Decimal = Decimal("2")
    short_pay_base: Decimal = Decimal("50.00")  # at most this much short, in the base currency
    write_off_base: Decimal = Decimal("10.00")  # a shortfall up to this is proposed as a write-off
    combination_max: int = 6
    base_currency: str = "USD"


@dataclass
class Deduction:
    """A short payment within tolerance: the difference left open on one invoice, and what to do."""

    invoice_id: int
    invoice_number: str
    amount: Decimal
    currency: str
    proposal: str  # "write_off" | "dispute"


@dataclass
class Proposal:
    """One way to post the receipt: to `customer_id`, `allocations` (invoice id, amount) in
    `currency`; `amount` is the receipt in that currency (converted when it came in another), the
    rest of it beyond the allocations stays unapplied."""

    customer_id: int
    currency: str
    amount: Decimal
    allocations: list[tuple[int, Decimal]]
    confidence: int
    reasons: list[str] = field(default_factory=list)
    deduction: Deduction | None = None

    @property
    def applied(self) -> Decimal:
        return sum((a for _, a in self.allocations), Decimal("0.00"))

    @property
    def unapplied(self) -> Decimal:
        return self.amount - self.applied

    def same_as(self, other: "Proposal") -> bool:
        return self.customer_id == other.customer_id and dict(self.allocations) == dict(other.allocations)
