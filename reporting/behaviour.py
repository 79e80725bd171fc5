"""Customer payment behaviour over the invoices closed in the 12 months before D (METRICS.md)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from dateutil.relativedelta import relativedelta

from reporting.paid_months import WindowSums, window_sums


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
    A customer with no closed invoice uses the book's figure; an empty book gives 0. The closed
    months are read from their stored sums (`reporting.paid_months`), the rest added up by the
    database; none when `closed` (closed_invoices over a span covering the window) is given."""
    start = window_start(as_of)
    if closed is None:  # the stored months and the database's sums per rate
        sums = window_sums(start, as_of)
    else:  # a wider frame fetched once for several dates
        sums = WindowSums(_sums_of(closed[(closed["closed_on"] >= start) & (closed["closed_on"] <= as_of)]))
    groups = sums.groups
    if groups.empty and not sums.in_base:
        return PaymentBehaviour(as_of=as_of, start=start, book_days_late=Decimal(0), book_days_to_pay=Decimal(0))
    # Σ base × days over a customer's invoices at one rate = rate × Σ cents × days ÷ 100. Every rate
    # is an integer times 10^exponent (the smallest exponent of them all): the sums are exact Python
    # integers, and Decimal is made once per customer rather than once per (customer, rate) group.
    exponent, scaled = _scaled_rates([*groups["rate"].tolist(), *sums.rates])
    totals: dict[int, list] = {}
    for customer_id, rate, row_cents, late, pay, invoices in zip(
            groups["customer_id"].tolist(), groups["rate"].tolist(), groups["cents"].tolist(),
            groups["late"].tolist(), groups["pay"].tolist(), groups["invoices"].tolist(), strict=True):
        factor = scaled[rate]
        _add(totals, customer_id, row_cents * factor, late * factor, pay * factor, invoices)
    for customer_id, row_base, late, pay, invoices in sums.in_base:  # Σ cents × rate, exact: scaled alike
        _add(totals, customer_id, int(row_base.scaleb(-exponent)), int(late.scaleb(-exponent)),
             int(pay.scaleb(-exponent)), invoices)
    # Every sum has the same scale, so the averages are quotients of the integers themselves (the
    # same Decimal: equal values, and both operands' exponents cancel); only the amounts are scaled.
    customers = {
        customer_id: {"days_late": Decimal(late) / Decimal(base), "days_to_pay": Decimal(pay) / Decimal(base),
                      "invoices": int(invoices), "amount": _scaled(base, exponent)}
        for customer_id, (base, late, pay, invoices) in totals.items()
        if base
    }
    book, book_late, book_pay = (sum(row[n] for row in totals.values()) for n in range(3))
    return PaymentBehaviour(
        as_of=as_of, start=start, customers=customers,
        book_days_late=Decimal(book_late) / Decimal(book) if book else Decimal(0),
        book_days_to_pay=Decimal(book_pay) / Decimal(book) if book else Decimal(0),
    )


def _add(totals: dict[int, list], customer_id: int, base: int, late: int, pay: int, invoices: int) -> None:
    row = totals.get(customer_id)
    if row is None:
        totals[customer_id] = [base, late, pay, invoices]
    else:
        row[0] += base
        row[1] += late
        row[2] += pay
        row[3] += invoices


def _scaled_rates(rates: list[Decimal]) -> tuple[int, dict[Decimal, int]]:
    """(e, {rate: n}) with rate = n × 10^e for each distinct rate, n an integer and e ≤ 0 the smallest
    exponent among them (so that Σ cents × rate is an exact integer sum, scaled by 10^e)."""
    distinct = set(rates)
    exponent = min((int(rate.as_tuple().exponent) for rate in distinct), default=0)
    exponent = min(exponent, 0)
    return exponent, {rate: int(rate.scaleb(-exponent)) for rate in distinct}


def _scaled(cents_scaled: int, exponent: int) -> Decimal:
    """An exact integer sum of cents × 10^-exponent as the Decimal it stands for (exactly: a string
    in scientific notation is not rounded to the context's precision, as arithmetic would be)."""
    return Decimal(f"{int(cents_scaled)}E{exponent - 2}")


def _sums_of(frame: pd.DataFrame) -> pd.DataFrame:
    """What `closed_sums` gives, from a frame of closed invoices (`closed_invoices`)."""
    cents = frame["cents"].to_numpy(dtype="int64")
    return pd.DataFrame({
        "customer_id": frame["customer_id"].to_numpy(), "rate": frame["rate"].to_numpy(), "cents": cents,
        "late": cents * frame["days_late"].to_numpy(dtype="int64"),
        "pay": cents * frame["days_to_pay"].to_numpy(dtype="int64"), "invoices": 1,
    }).groupby(["customer_id", "rate"], sort=False).sum().reset_index()
