"""The open book read from the database in a few queries per run, whatever the statement's length.

One query reads every open invoice (number, customer, open amount, currency, due date, PO), one
the customers (name, family), one the learned payer accounts the receipts name, one the FX rates
of the currencies involved.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.conf import settings

from cashapp.matching.book import Book, Rates
from cashapp.matching.facts import MatchRules, OpenInvoice, Payer, Receipt
from cashapp.matching.references import references_in
from cashapp.models import PayerAccount
from ledger.models import Customer, FxRate, Invoice

BATCH = 900  # values per IN (): within SQLite's oldest variable limit


def rules_from_settings() -> MatchRules:
    tolerance = settings.CASH_SHORT_PAY_TOLERANCE
    return MatchRules(
        auto_apply=Decimal(settings.CASH_AUTO_APPLY_CONFIDENCE),
        short_pay_percent=Decimal(tolerance["percent"]),
        short_pay_base=Decimal(tolerance["base_amount"]),
        write_off_base=Decimal(settings.CASH_DEDUCTION_WRITE_OFF_MAX),
        combination_max=int(settings.CASH_COMBINATION_MAX_INVOICES),
        base_currency=settings.BASE_CURRENCY,
    )


def book_load(receipts: Sequence[Receipt], rules: MatchRules | None = None) -> Book:
    """Everything matching `receipts` needs, in four queries (more only past BATCH payer accounts)."""
    rules = rules or rules_from_settings()
    invoices = [
        OpenInvoice(id=i, number=n, customer_id=c, open_amount=a, currency=cur, due_date=d, po_number=po)
        for i, n, c, a, cur, d, po in Invoice.objects.filter(status=Invoice.Status.OPEN, open_amount__gt=0)
        .order_by().values_list("id", "external_id", "customer_id", "open_amount", "currency", "due_date", "po_number")
        .iterator(chunk_size=5000)
    ]
    payers = [Payer(id=i, name=n, family_head_id=p or i)
              for i, n, p in Customer.objects.order_by()
              .values_list("id", "name", "family_top_id").iterator(chunk_size=5000)]
    named = sorted({r.counterparty_account for r in receipts if r.counterparty_account})
    accounts: dict[str, int] = {}
    for start in range(0, len(named), BATCH):
        accounts.update(PayerAccount.objects.filter(counterparty_account__in=named[start:start + BATCH])
                        .values_list("counterparty_account", "customer_id"))
    currencies = {r.currency for r in receipts} | {i.currency for i in invoices}
    return Book(invoices=invoices, payers=payers, accounts=accounts, rates=rates_load(currencies, rules.base_currency),
                rules=rules, references=[ref for r in receipts for ref in references_in(r.texts)])


def rates_load(currencies: set[str], base_currency: str) -> Rates:
    """Every FX rate of `currencies` (the table holds a rate a day per currency at most)."""
    rates: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    wanted = sorted(currencies - {base_currency})
    if wanted:
        rows = FxRate.objects.filter(currency__in=wanted).values_list("currency", "rate_date", "rate")
        for currency, day, rate in rows:
            rates[currency].append((day, rate))
    return Rates(rates, base_currency)
