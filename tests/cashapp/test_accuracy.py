"""Accuracy of the cash application on a realistic generated statement (issue 17's "done when"):
at least 90 % of the receipts applied automatically and correctly, at most 0.5 % of automatic
applications wrong, and the right candidate first for at least 80 % of the lines sent to review.

The book: a few hundred customers (Faker names, so look-alike names such as "Smith LLC" and "Smith
Inc" occur), some in account families, with one to a dozen open invoices each — amounts to the
cent, round amounts and subscriptions that repeat the same amount — some with PO numbers, a tenth
in EUR. The statement: `banking.generate.statement_generate`'s mix of clean references, typos, no
reference, several invoices per payment, short payments, unknown payers and strangers, with bank
charges and supplier debits around them. These are accuracy figures, not timings.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from faker import Faker

from banking.generate import statement_generate
from cashapp.models import CashMatch
from cashapp.services import statement_import_and_match
from devtools.benchmarks.cashapp import cash_application_figures, matches_score, payer_accounts_teach
from ledger.hierarchy import families_refresh
from ledger.models import Customer, Invoice

pytestmark = pytest.mark.django_db


def realistic_book(customers: int = 600, seed: int = 5) -> None:
    rng, fake = random.Random(seed), Faker()
    fake.seed_instance(seed)
    heads = Customer.objects.bulk_create([
        Customer(external_id=f"ACC{n:05d}", name=fake.company(), currency="EUR" if rng.random() < 0.1 else "USD")
        for n in range(customers)])
    children = Customer.objects.bulk_create([
        Customer(external_id=f"SUB{n:05d}", name=f"{parent.name} {rng.choice(['Services', 'Europe', 'Retail'])}",
                 currency=parent.currency, parent=parent)
        for n, parent in enumerate(rng.sample(heads, customers // 12))])
    families_refresh([c.pk for c in children])  # --- family --- bulk_create skips Customer.save
    today, number, invoices = date.today(), 100000, []
    for customer in heads + children:
        subscription = Decimal(rng.choice(["99.00", "250.00", "1200.00"]))
        for _ in range(rng.randint(1, 12)):
            kind = rng.random()
            amount = (subscription if kind < 0.1 else Decimal(rng.randint(1, 80) * 50) if kind < 0.3
                      else Decimal(rng.randint(5000, 2_000_000)) / 100)
            issued = today - timedelta(days=rng.randint(5, 120))
            number += rng.randint(1, 3)
            invoices.append(Invoice(
                external_id=f"INV{number:07d}", customer=customer, issue_date=issued,
                due_date=issued + timedelta(days=30), amount=amount, open_amount=amount, currency=customer.currency,
                po_number=f"PO-{rng.randint(4500000, 4599999)}" if rng.random() < 0.3 else ""))
    Invoice.objects.bulk_create(invoices, batch_size=2000)


def test_generated_statement_is_applied_automatically_and_correctly(ledger_balances):
    realistic_book()
    payer_accounts_teach(share=0.5, seed=3)
    data, truth = statement_generate(None, n_lines=2000, seed=11, days=5)

    counts = statement_import_and_match(data=data, filename="accuracy.xml")
    scored = matches_score(truth)
    figures = scored.as_dict()

    assert counts["credits"] == len(truth) >= 1000
    assert counts["applied"] + counts["to_review"] + counts["unmatched"] == counts["credits"]
    assert CashMatch.objects.count() == counts["credits"]
    assert figures["auto_match_rate"] >= 90, figures
    assert figures["wrong_match_rate"] <= 0.5, figures
    assert figures["review_first_rank_rate"] >= 80, figures
    ledger_balances()


def test_bench_figures_leave_the_book_as_it_was():
    realistic_book(customers=40, seed=2)
    open_before = sorted(Invoice.objects.filter(status=Invoice.Status.OPEN).values_list("pk", "open_amount"))

    figures = cash_application_figures(lines=120, seed=1)

    assert figures["credits"] > 0 and figures["lines_per_second"] > 0
    assert {"auto_match_rate", "wrong_match_rate", "review_first_rank_rate"} <= set(figures)
    assert sorted(Invoice.objects.filter(status=Invoice.Status.OPEN).values_list("pk", "open_amount")) == open_before
    assert not CashMatch.objects.exists()
