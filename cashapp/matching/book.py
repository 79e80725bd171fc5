"""The open book as the matching engine needs it, indexed once per run (`cashapp.matching.load`
reads it from the database).

`Book.settle` takes what a receipt applied off the in-memory open amounts, so two receipts of one
statement never pay the same invoice twice.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from cashapp.matching.facts import MatchRules, OpenInvoice, Payer
from cashapp.matching.payers import PayerIndex
from cashapp.matching.references import Reference, ReferenceIndex

CENT = Decimal("0.01")


class Rates:
    """FX rates of a few currencies: base units per unit on a day, the latest rate on or before
    it, else the first after (as `ledger.fx` computes it in the database)."""

    def __init__(self, rates: dict[str, list[tuple[date, Decimal]]], base_currency: str):
        self.base_currency = base_currency
        self.days = {currency: sorted(days) for currency, days in rates.items()}

    def rate(self, currency: str, day: date) -> Decimal | None:
        if currency == self.base_currency:
            return Decimal("1")
        days = self.days.get(currency)
        if not days:
            return None
        before = [rate for on, rate in days if on <= day]
        return before[-1] if before else days[0][1]

    def convert(self, amount: Decimal, source: str, target: str, day: date) -> Decimal | None:
        """`amount` of `source` in `target` on `day`, to the cent; None without a rate."""
        if source == target:
            return amount
        from_rate, to_rate = self.rate(source, day), self.rate(target, day)
        if from_rate is None or to_rate is None:
            return None
        return (amount * from_rate / to_rate).quantize(CENT)


class Book:
    def __init__(self, *, invoices: Iterable[OpenInvoice], payers: Iterable[Payer] | PayerIndex,
                 accounts: dict[str, int], rates: "Rates", rules: MatchRules,
                 references: Iterable[Reference] | None = None, index: ReferenceIndex | None = None):
        """`references`: every reference the run's receipts hold, when they are known (only the
        invoice numbers they can reach are indexed, `ReferenceIndex`); None for any receipt.
        `payers` may be indexed already (with `accounts`), as `cashapp.matching.load` does to
        know whom the receipts name before it reads their invoices; `index` a reference index the
        loader built already over these invoices (`ReferenceIndex.digits_add` for those it read after)."""
        self.rules = rules
        self.invoices = {i.id: i for i in invoices}
        self.by_customer: dict[int, list[OpenInvoice]] = defaultdict(list)
        self.by_amount: dict[tuple[str, Decimal], list[int]] = defaultdict(list)
        for invoice in self.invoices.values():
            self.by_customer[invoice.customer_id].append(invoice)
            self.by_amount[(invoice.currency, invoice.open_amount)].append(invoice.id)
        self.references = index if index is not None else ReferenceIndex(self.invoices.values(), references)
        self.payers = payers if isinstance(payers, PayerIndex) else PayerIndex(payers, accounts)
        self.rates = rates

    def family_invoices(self, head_id: int) -> list[OpenInvoice]:
        return [i for c in self.payers.family_of(head_id) for i in self.by_customer.get(c, ()) if i.open_amount > 0]

    def with_amount(self, currency: str, amount: Decimal) -> list[OpenInvoice]:
        found = (self.invoices[i] for i in self.by_amount.get((currency, amount), ()))
        return [i for i in found if i.open_amount == amount]

    def convert(self, amount: Decimal, source: str, target: str, day: date) -> Decimal | None:
        return self.rates.convert(amount, source, target, day)

    def settle(self, allocations: Sequence[tuple[int, Decimal]]) -> None:
        for invoice_id, amount in allocations:
            invoice = self.invoices.get(invoice_id)
            if invoice is not None:
                invoice.open_amount -= amount
