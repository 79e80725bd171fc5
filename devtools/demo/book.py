"""Write the demo book: team, customers, two years of ledger and collection work, FX rates."""

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from devtools.demo.accounts import plan_accounts, plan_contacts
from devtools.demo.history import WorkRows, plan_history
from devtools.demo.ledger import CENT, Numbers, Rows, at, plan_ledger
from devtools.demo.people import demo_team, escalation_levels
from ledger.hierarchy import families_refresh  # --- family ---
from ledger.models import Application, Contact, CreditNote, Customer, FxRate, Invoice, Payment, WriteOff
from portfolios.models import Assignment
from work.models import Activity, Dispute, Escalation, PromiseToPay

SIZES = {"small": (2500, 1.0), "large": (20000, 1.5)}  # customers, invoices-per-account scale
# Months of ledger before the as-of day, by size. Two years on the small book: the forecast's backtest
# (the last 12 complete months) makes each month's forecast from the year before it, so its first month
# needs a year of history too. One year on the large book, which measures speed (`make bench`): two would
# double its ~520,000 invoices and its seeding time.
HISTORY_MONTHS = {"small": 24, "large": 12}
MIN_HISTORY_MONTHS = 12  # accounts stop paying up to 200 days back and closed ones stopped billing 150
BATCH = 1000
CHUNK = 250  # accounts written together
USD_PER_UNIT = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "CAD": 0.73}


@dataclass
class Summary:
    customers: int
    invoices: int
    payments: int
    credit_notes: int
    activities: int
    promises: int
    disputes: int
    open_amount: Decimal
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.customers} customers, {self.invoices} invoices, {self.payments} payments, "
            f"{self.credit_notes} credit notes, {self.activities} activities, {self.promises} promises, "
            f"{self.disputes} disputes; open AR {self.open_amount} (all currencies) in {self.seconds:.1f} s"
        )


def seed(*, size: str = "small", seed: int = 42, as_of: date, customers: int | None = None,
         history_months: int | None = None, log=None) -> Summary:
    """Load the whole demo book in one transaction, deterministic for a seed, an as-of date and a history
    length (`history_months` of invoices up to the as-of day; default: the size's)."""
    started = time.monotonic()
    count, invoice_scale = SIZES[size]
    count = customers or count
    history_months = history_months or HISTORY_MONTHS[size]
    start = as_of - relativedelta(months=history_months)
    with transaction.atomic():
        team = demo_team()
        levels = escalation_levels()
        _fx_rates(seed=seed, start=start - timedelta(days=7), as_of=as_of)
        accounts = plan_accounts(count=count, seed=seed, start=start, as_of=as_of, invoice_scale=invoice_scale)
        _save_customers(accounts, team.portfolios, by=team.manager)
        numbers, work_left = Numbers(), 2
        for first in range(0, len(accounts), CHUNK):
            chunk = accounts[first:first + CHUNK]
            rows, work = Rows(), WorkRows(broken_yesterday_left=work_left)
            for account in chunk:
                plan_contacts(account)
                plan_ledger(account, start=start, as_of=as_of, numbers=numbers, rows=rows, voided_by=team.finance)
                _maybe_bounce(account, rows.bills[account.customer.external_id], as_of)
                plan_history(
                    account, rows.bills[account.customer.external_id], start=start, as_of=as_of,
                    collectors=team.collectors, levels=levels, rows=work,
                )
            work_left = work.broken_yesterday_left
            _write(chunk, rows, work)
            if log:
                log(f"  {min(first + CHUNK, len(accounts))}/{len(accounts)} accounts")
    return Summary(
        customers=Customer.objects.count(), invoices=Invoice.objects.count(), payments=Payment.objects.count(),
        credit_notes=CreditNote.objects.count(), activities=Activity.objects.count(),
        promises=PromiseToPay.objects.count(), disputes=Dispute.objects.count(),
        open_amount=(Invoice.objects.aggregate(total=Sum("open_amount"))["total"] or Decimal(0)).quantize(CENT),
        seconds=time.monotonic() - started,
    )


def _fx_rates(*, seed: int, start: date, as_of: date) -> None:
    """A daily rate for every demo currency other than the base, a gentle random walk."""
    base = settings.BASE_CURRENCY
    if base not in USD_PER_UNIT:
        return
    rng = random.Random(f"fx-{seed}")
    rates = []
    for currency, usd in USD_PER_UNIT.items():
        if currency == base:
            continue
        level = usd / USD_PER_UNIT[base]
        day = start
        while day <= as_of:
            level *= 1 + rng.gauss(0, 0.003)
            rates.append(FxRate(currency=currency, rate_date=day, rate=Decimal(f"{level:.8f}")))
            day += timedelta(days=1)
    FxRate.objects.bulk_create(rates, batch_size=BATCH, ignore_conflicts=True)


def _save_customers(accounts, portfolios, *, by) -> None:
    for account in accounts:
        account.customer.portfolio = portfolios[account.owners[-1][2]]
    Customer.objects.bulk_create([a.customer for a in accounts if a.customer.parent is None], batch_size=BATCH)
    Customer.objects.bulk_create([a.customer for a in accounts if a.customer.parent is not None], batch_size=BATCH)
    families_refresh([a.customer.pk for a in accounts if a.customer.parent is not None])  # --- family ---
    Assignment.objects.bulk_create(
        [
            Assignment(
                customer=account.customer, portfolio=portfolios[portfolio], starts_on=starts_on, ends_on=ends_on,
                by=by, reason="Opening portfolio" if index == 0 else "Rebalancing: workload between collectors",
            )
            for account in accounts
            for index, (starts_on, ends_on, portfolio) in enumerate(account.owners)
        ],
        batch_size=BATCH,
    )


def _maybe_bounce(account, bills, as_of: date) -> None:
    """A few AP mailboxes bounce: the invoices sent after that were never opened."""
    if account.rng.random() >= 0.02 or not account.contacts:
        return
    bounced_on = as_of - timedelta(days=account.rng.randint(3, 40))
    account.contacts[0].email_bounced_at = at(bounced_on, 10)
    for bill in bills:
        if bill.invoice.issue_date >= bounced_on:
            bill.invoice.opened_at = None


def _write(chunk, rows: Rows, work: WorkRows) -> None:
    Contact.objects.bulk_create([c for account in chunk for c in account.contacts], batch_size=BATCH)
    for model, objects in (
        (Invoice, rows.invoices), (Payment, rows.payments), (CreditNote, rows.credit_notes),
        (Application, rows.applications), (WriteOff, rows.write_offs),
        (Activity, work.activities), (Activity.invoices.through, work.activity_invoices),
        (PromiseToPay, work.promises), (PromiseToPay.invoices.through, work.promise_invoices),
        (Dispute, work.disputes), (Dispute.invoices.through, work.dispute_invoices),
        (Escalation, work.escalations), (Escalation.invoices.through, work.escalation_invoices),
    ):
        model.objects.bulk_create(objects, batch_size=BATCH)
    if work.follow_ups:
        Customer.objects.bulk_update(work.follow_ups, ["follow_up_on", "follow_up_note"], batch_size=BATCH)
