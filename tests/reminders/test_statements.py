import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from pypdf import PdfReader

from ledger.models import Contact
from ledger.services import payment_receive
from reminders.models import Statement, StatementRun
from reminders.statements import first_business_day, statement_data, statement_pdf, statements_due
from tests.reminders.factories import account, invoice

pytestmark = pytest.mark.django_db
TODAY = date.today()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_statement_pdf_lists_open_items_aging_and_unapplied_cash(ledger_balances):
    customer = account()
    a = invoice(customer, due=TODAY - timedelta(days=45), amount="1200.50")
    b = invoice(customer, due=TODAY + timedelta(days=10), amount="300.00")
    payment_receive(customer=customer, external_id="PAY-77", received_date=TODAY, amount="250.00", currency="USD")
    ledger_balances()
    text = pdf_text(statement_pdf(statement_data(customer, TODAY), "https://example.test/portal/x/"))
    assert a.external_id in text and b.external_id in text
    assert "1,500.50" in text          # total open
    assert "1,200.50" in text          # the 31–60 bucket
    assert "PAY-77" in text and "250.00" in text
    assert "https://example.test/portal/x/" in text


def test_family_head_statement_covers_the_children():
    head = account()
    child = account(parent=head, email=False)
    own, theirs = invoice(head, due=TODAY), invoice(child, due=TODAY)
    text = pdf_text(statement_pdf(statement_data(head, TODAY), "https://x.test/"))
    assert own.external_id in text and theirs.external_id in text


def test_send_statements_issues_one_per_family_and_never_twice(django_capture_on_commit_callbacks):
    head = account()
    child = account(parent=head, email=False)
    invoice(child, due=TODAY - timedelta(days=3))
    lonely = account()
    invoice(lonely, due=TODAY + timedelta(days=3))
    Contact.objects.filter(customer=lonely).update(receives_statements=False)
    account()  # nothing open: no statement
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_statements", "--month", "2026-11")
    assert set(Statement.objects.values_list("customer_id", flat=True)) == {head.pk, lonely.pk}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [f"ap@{head.external_id.lower()}.test"]
    assert mail.outbox[0].attachments[0][0] == f"statement-{head.external_id}-2026-11.pdf"
    assert StatementRun.objects.get(month=date(2026, 11, 1)).status == "done"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_statements", "--month", "2026-11")
    assert Statement.objects.count() == 2 and len(mail.outbox) == 1


def test_statements_are_due_from_the_first_business_day_until_the_run_is_done():
    assert first_business_day(date(2026, 8, 1)) == date(2026, 8, 3)  # Saturday → Monday
    assert statements_due(date(2026, 8, 1)) is None
    assert statements_due(date(2026, 8, 3)) == date(2026, 8, 1)
    assert statements_due(date(2026, 8, 5)) == date(2026, 8, 1)   # a missed day is caught up
    StatementRun.objects.create(month=date(2026, 8, 1), status="done")
    assert statements_due(date(2026, 8, 6)) is None


def test_statement_amounts_are_decimal():
    customer = account()
    invoice(customer, due=TODAY, amount="10.10")
    invoice(customer, due=TODAY, amount="20.20")
    assert statement_data(customer, TODAY).total_open == Decimal("30.30")


def test_benchmark_figures_are_computed_from_the_book():
    from devtools.benchmarks.dunning import dunning_pass_rate, statement_render_rate

    customer = account()
    invoice(customer, due=TODAY - timedelta(days=4))
    assert dunning_pass_rate()["invoices_evaluated"] == 1
    assert statement_render_rate(sample=5)["statements"] == 1
