"""Customer payment behaviour over the invoices closed in the 12 months before D (METRICS.md)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from .frames import ZERO, closed_invoices


@dataclass
class PaymentBehaviour:
    as_of: date
    start: date
    book_days_late: Decimal
    book_days_to_pay: Decimal
    customers: dict[int, dict] = field(default_factory=dict)

    def days_late(self, customer_id: int) -> Decimal:
        """The customer's weighted average days late; the book's when it closed nothing in the window."""
        row = self.customers.get(customer_id)
        return row["days_late"] if row else self.book_days_late

    def days_to_pay(self, customer_id: int) -> Decimal:
        row = self.customers.get(customer_id)
        return row["days_to_pay"] if row else self.book_days_to_pay


def window_start(as_of: date) -> date:
    """The first day of the 12 months before D (D itself included)."""
    return as_of - relativedelta(months=12) + timedelta(days=1)


def payment_behaviour(as_of: date, closed=None) -> PaymentBehaviour:
    """Weighted average days late = Σ(amount × (closing − due)) ÷ Σ amount; days to pay likewise with
    (closing − issue); per customer over invoices closed in the 12 months before D, in base currency.
    A customer with no closed invoice uses the book's figure; an empty book gives 0. One query, or
    none when `closed` (closed_invoices over a span covering the window) is given."""
    start = window_start(as_of)
    if closed is None:
        frame = closed_invoices(start, as_of)
    else:  # a wider frame fetched once for several dates
        frame = closed[(closed["closed_on"] >= start) & (closed["closed_on"] <= as_of)].copy()
    if frame.empty:
        return PaymentBehaviour(as_of=as_of, start=start, book_days_late=Decimal(0), book_days_to_pay=Decimal(0))
    frame["late_weight"] = [b * (c - d).days for b, c, d in zip(frame["base"], frame["closed_on"], frame["due_date"],
                                                                 strict=True)]
    frame["pay_weight"] = [b * (c - i).days for b, c, i in zip(frame["base"], frame["closed_on"], frame["issue_date"],
                                                                strict=True)]

    def total(column):
        return sum(column, ZERO)

    sums = frame.groupby("customer_id")[["base", "late_weight", "pay_weight"]].agg(total)
    counts = frame.groupby("customer_id").size()
    customers = {
        int(customer_id): {
            "days_late": row["late_weight"] / row["base"], "days_to_pay": row["pay_weight"] / row["base"],
            "invoices": int(counts[customer_id]), "amount": row["base"],
        }
        for customer_id, row in sums.iterrows()
        if row["base"]
    }
    book = total(frame["base"])
    return PaymentBehaviour(
        as_of=as_of, start=start, customers=customers,
        book_days_late=total(frame["late_weight"]) / book if book else Decimal(0),
        book_days_to_pay=total(frame["pay_weight"]) / book if book else Decimal(0),
    )
