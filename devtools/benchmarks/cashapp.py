"""Figures for `make bench` and the accuracy test: how much of a realistic statement the cash
application posts by itself, how much of that is wrong, how often review gets the right
suggestion first, and how fast it goes end to end.

The statement is written from the book's own open invoices (`banking.generate.statement_generate`,
which also gives the answer for every receipt), imported and matched inside a transaction that is
rolled back: the book is as it was afterwards. Before it, the payer accounts of a share of the
customers are taught, as months of confirmed receipts would have taught them.
"""

import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from banking.generate import payer_iban, statement_generate
from banking.models import BankLine, BankStatement, StatementFile
from cashapp.matching.load import payer_names
from cashapp.models import CashMatch, PayerAccount
from cashapp.services import statement_import_and_match
from devtools.benchmarks.importing import check_deferred_constraints
from ledger.models import Application, Customer, Invoice, Payment
from ledger.touch import LedgerTouch
from work.models import Dispute

LEARNED_SHARE = 0.5  # customers whose usual account a person confirmed on an earlier receipt


class _RollBack(Exception):
    pass


@dataclass(frozen=True)
class Scored:
    credits: int  # receipts in the answer key
    auto_correct: int  # applied automatically, to the right customer and invoices
    auto_wrong: int  # applied automatically, but not as the answer says
    review: int  # sent to review, with a right answer to rank (customers' receipts)
    review_first: int  # of those, the right customer and invoices ranked first

    def as_dict(self) -> dict:
        auto = self.auto_correct + self.auto_wrong
        return {
            "credits": self.credits,
            "auto_match_rate": _rate(self.auto_correct, self.credits),
            "wrong_match_rate": _rate(self.auto_wrong, auto),
            "review_first_rank_rate": _rate(self.review_first, self.review),
        }


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def payer_accounts_teach(share: float = LEARNED_SHARE, seed: int = 0) -> int:
    """Teach the usual account (`banking.generate.payer_iban`) of `share` of the customers."""
    rng = random.Random(seed)
    ids = [pk for pk in Customer.objects.order_by("pk").values_list("pk", flat=True) if rng.random() < share]
    PayerAccount.objects.bulk_create(
        [PayerAccount(counterparty_account=payer_iban(pk), customer_id=pk, source=PayerAccount.Source.IMPORTED)
         for pk in ids], ignore_conflicts=True, batch_size=2000)
    return len(ids)


def _heads() -> dict[int, int]:
    return {pk: parent or pk for pk, parent in Customer.objects.values_list("pk", "parent_id")}


def matches_score(truth: dict[str, tuple[int | None, dict[int, Decimal]]]) -> Scored:
    """Each receipt's match against the answer key: what was posted automatically (its customer's
    family and the amounts applied per invoice), and the first candidate of those sent to review."""
    heads = _heads()
    matches = {m.line.entry_reference: m for m in CashMatch.objects.select_related("line")
               .filter(line__entry_reference__in=list(truth))}
    posted: dict[int, dict[int, Decimal]] = {}
    payments = [m.payment_id for m in matches.values() if m.payment_id]
    for payment, invoice, amount in Application.objects.filter(payment_id__in=payments, amount__gt=0).values_list(
            "payment_id", "invoice_id", "amount"):
        posted.setdefault(payment, {})[invoice] = amount
    correct = wrong = review = first = 0
    for reference, (customer, invoices) in truth.items():
        match = matches.get(reference)
        if match is None:
            continue
        if match.auto_applied_at is not None:
            right = (customer is not None and match.customer_id is not None and match.payment_id is not None
                     and heads.get(match.customer_id) == heads.get(customer)
                     and posted.get(match.payment_id, {}) == invoices)
            correct, wrong = correct + right, wrong + (not right)
        elif match.status == CashMatch.Status.TO_REVIEW and customer is not None:
            review += 1
            best = match.candidates[0] if match.candidates else None
            first += bool(best and heads.get(best["customer"]) == heads.get(customer)
                          and {i for i, _ in best["invoices"]} == set(invoices))
    return Scored(credits=len(truth), auto_correct=correct, auto_wrong=wrong, review=review, review_first=first)


def _vacuum_cash() -> None:
    """PostgreSQL: clear the dead rows earlier rolled-back runs left in the tables a statement's
    import and matching write, as autovacuum would: each rerun inserts the same bank lines (their
    unique index full of dead entries) and updates the same invoices, and got slower every time."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    models = (StatementFile, BankStatement, BankLine, CashMatch, PayerAccount, Invoice, Payment, Application,
              Dispute, Dispute.invoices.through, LedgerTouch)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(connection.ops.quote_name(m._meta.db_table) for m in models)}")


def cash_application_figures(lines: int = 2000, *, seed: int = 17, share: float = LEARNED_SHARE) -> dict:
    """Import and match a generated statement of about `lines` lines on the current book (rolled
    back afterwards); the matching's rates against the answer key and lines per second. The time
    includes the foreign-key checks PostgreSQL would run at the commit (as the import's figure), not
    the keying of the customers' names a worker keeps between statements (`names_keyed_seconds`)."""
    if not Invoice.objects.filter(status=Invoice.Status.OPEN).exists():
        return {"skipped": "no open invoices"}
    figures: dict = {}
    _vacuum_cash()
    try:
        with transaction.atomic():
            payer_accounts_teach(share, seed)
            data, truth = statement_generate(None, n_lines=lines, seed=seed)
            # A worker keeps the customers' names keyed between statements (`payer_names`): keyed
            # here first, untimed, as a worker that matched a statement before has them.
            names_started = time.perf_counter()
            payer_names()
            names_seconds = time.perf_counter() - names_started
            start = time.perf_counter()
            counts = statement_import_and_match(data=data, filename=f"bench-{seed}.xml")
            check_deferred_constraints()
            seconds = time.perf_counter() - start
            figures = {**counts, **matches_score(truth).as_dict(), "seconds": round(seconds, 3),
                       "names_keyed_seconds": round(names_seconds, 3),  # what a worker's first statement adds
                       "lines_per_second": round(counts["lines"] / seconds) if seconds else None}
            raise _RollBack
    except _RollBack:
        pass
    return figures
