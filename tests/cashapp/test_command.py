"""python manage.py import_bank_statement: import and match, the exact --json figures, an idempotent
re-import, a dry run that writes nothing, a bad file that says what is wrong line by line."""

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from banking.generate import statement_generate
from banking.models import BankLine, StatementFile
from cashapp.models import CashMatch
from ledger.models import Invoice, Payment
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent.parent / "banking" / "fixtures"
MT940 = FIXTURES / "mt940_two_statements.sta"
KEYS = ["lines", "credits", "applied", "to_review", "unmatched", "skipped"]


@pytest.fixture
def book():
    """The customers the MT940 fixture's receipts pay, with the invoices they name."""
    issued = date.today() - timedelta(days=40)
    berg = CustomerFactory(name="Van den Berg Logistiek B.V.", currency="EUR")
    baker = CustomerFactory(name="Bäckerei Schröder & Söhne OHG", currency="EUR")
    return [InvoiceFactory(customer=berg, external_id="INV0012390", amount=Decimal("5000.00"), currency="EUR",
                           issue_date=issued),
            InvoiceFactory(customer=berg, external_id="INV0012391", amount=Decimal("2330.00"), currency="EUR",
                           issue_date=issued),
            InvoiceFactory(customer=baker, external_id="INV0012400", amount=Decimal("500.00"), currency="EUR",
                           issue_date=issued),
            InvoiceFactory(customer=baker, external_id="INV0012401", amount=Decimal("345.10"), currency="EUR",
                           issue_date=issued)]


def run(*args) -> dict:
    out = StringIO()
    call_command("import_bank_statement", *map(str, args), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_json_prints_exactly_the_figures_and_the_receipts_are_applied(book, ledger_balances):
    figures = run(MT940)

    assert list(figures) == KEYS
    assert figures["lines"] == BankLine.objects.count() and figures["skipped"] == 0
    assert figures["credits"] == BankLine.objects.filter(kind=BankLine.Kind.RECEIPT).count()
    assert figures["applied"] + figures["to_review"] + figures["unmatched"] == figures["credits"]
    assert figures["applied"] >= 2
    assert all(Invoice.objects.get(pk=i.pk).status == Invoice.Status.PAID for i in book)
    ledger_balances()


def test_importing_the_same_file_again_adds_and_applies_nothing(book, ledger_balances):
    first = run(MT940)
    again = run(MT940)

    assert again == {"lines": first["lines"], "credits": first["credits"], "applied": 0, "to_review": 0,
                     "unmatched": 0, "skipped": first["lines"]}
    assert Payment.objects.count() == first["applied"]
    ledger_balances()


def test_dry_run_says_what_would_happen_and_writes_nothing(book):
    out = StringIO()
    call_command("import_bank_statement", str(MT940), "--dry-run", stdout=out)

    assert "would be applied" in out.getvalue()
    assert not BankLine.objects.exists() and not Payment.objects.exists() and not CashMatch.objects.exists()


def test_a_bad_file_prints_one_message_per_problem_and_exits_non_zero(tmp_path):
    truncated = tmp_path / "truncated.sta"
    truncated.write_bytes(MT940.read_bytes()[:700])
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_bank_statement", str(truncated), stderr=err)

    assert raised.value.returncode == 1
    lines = err.getvalue().strip().splitlines()
    assert lines and all(line.startswith("truncated.sta: ") for line in lines)
    assert "nothing was imported" in str(raised.value)
    assert not BankLine.objects.exists()


def test_a_missing_file_is_an_error_not_a_traceback(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_bank_statement", str(tmp_path / "nope.xml"))


def test_a_generated_statement_is_matched_from_the_command(tmp_path, ledger_balances):
    for n in range(30):
        customer = CustomerFactory(name=f"Customer Number {n} Ltd")
        for k in range(3):
            InvoiceFactory(customer=customer, amount=Decimal(1000 + n * 17 + k) + Decimal("0.35"))
    data, truth = statement_generate(None, n_lines=60, seed=4)
    path = tmp_path / "generated.xml"
    path.write_bytes(data)

    figures = run(path)

    assert figures["credits"] == len(truth)
    assert figures["applied"] == CashMatch.objects.filter(status=CashMatch.Status.APPLIED).count() > 0
    ledger_balances()


def test_a_file_imported_again_keeps_its_first_figures_for_the_figures_page(book):
    first = run(MT940)
    again = run(MT940)

    assert again["skipped"] == again["lines"] and again["applied"] == 0
    stored = StatementFile.objects.get().result
    assert {key: stored[key] for key in KEYS} == first
    assert stored["seconds"] > 0  # the page's lines per second, for a command import too
