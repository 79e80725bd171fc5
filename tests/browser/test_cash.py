"""Cash application in the browser: a manager uploads a bank statement (progress, then figures),
confirms one suggestion in the worklist with one click (the row updates in place), splits another
receipt across two invoices on its page (a split above the receipt is refused in place), then sees
the invoices paid on the account workspace and the dunning preview leave them out."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from banking.models import StatementFile
from cashapp.models import CashMatch
from ledger.models import Invoice
from reminders.models import DunningPolicy
from tests.factories import manager
from tests.reminders.factories import account, invoice, policy

pytestmark = pytest.mark.django_db(transaction=True)
HEADER = ("account,currency,booking_date,value_date,amount,entry_reference,counterparty_name,counterparty_account,"
          "end_to_end_id,structured_reference,remittance_text")


def _statement(tmp_path, rows) -> str:
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    lines = [HEADER] + [f"DE89370400440532013000,USD,{day},{day},{amount},BRW-{n},{payer},DE021001001000000{n:05d},,,"
                        f"{text}" for n, (amount, payer, text) in enumerate(rows, 1)]
    path = tmp_path / "statement-november.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_upload_confirm_and_split_pay_the_invoices_and_dunning_leaves_them_out(page, login, settings, tmp_path):
    # Every receipt waits for a person here, however sure the matching is: the test works the worklist.
    settings.CASH_AUTO_APPLY_CONFIDENCE = 101
    DunningPolicy.objects.all().delete()
    policy(name="Standard", is_default=True)
    manager("cash_manager")
    today = timezone.localdate()
    northwind = account(name="Northwind Traders")
    contoso = account(name="Contoso Pharma")
    paid_whole = invoice(northwind, due=today - timedelta(days=4), amount="1250.00", external_id="INV0031001")
    split_a = invoice(contoso, due=today - timedelta(days=4), amount="500.00", external_id="INV0032001")
    split_b = invoice(contoso, due=today - timedelta(days=12), amount="400.00", external_id="INV0032002")
    statement = _statement(tmp_path, [("1250.00", "Northwind Traders", "Invoice INV0031001"),
                                      ("700.00", "Contoso Pharma", "INV0032001 INV0032002 less damaged goods"),
                                      ("-15.00", "", "Account fee")])

    login("cash_manager")
    page.goto("/reminders/dunning/")
    assert "Northwind Traders" in page.locator("main").inner_text()
    assert "Contoso Pharma" in page.locator("main").inner_text()

    page.goto("/cash/import/")
    page.set_input_files("#id_file", statement)
    page.click(".cash-upload button[type=submit]")
    page.wait_for_selector("#import-progress .cash-result")
    assert StatementFile.objects.get().status == StatementFile.Status.DONE
    assert "Customer receipts" in page.locator("#import-progress").inner_text()

    page.click("text=Review this statement's receipts")
    confirm_match = CashMatch.objects.get(line__remittance_text="Invoice INV0031001")
    row = page.locator(f"#cash-row-{confirm_match.pk}")
    assert "Northwind Traders" in row.inner_text() and "INV0031001" in row.inner_text()
    page.evaluate("window.__stillHere = true")
    row.locator("button.primary").click()
    page.wait_for_selector(f"#cash-row-{confirm_match.pk} .message.success")
    assert "Confirmed" in page.locator(f"#cash-row-{confirm_match.pk}").inner_text()
    assert page.evaluate("window.__stillHere") is True  # swapped in place, no reload

    split_match = CashMatch.objects.get(line__amount=Decimal("700.00"))
    page.locator(f"#cash-row-{split_match.pk} a.button").click()
    page.wait_for_selector("form.split-form")
    page.fill(f"#id_amount_{split_a.pk}", "500.00")
    page.fill(f"#id_amount_{split_b.pk}", "400.00")
    expect(page.locator("[data-split-left]")).to_contain_text("more than received")  # the running total warns
    page.click("form.split-form button[type=submit]")
    page.wait_for_selector("form.split-form .errorlist")
    assert "more than the 700.00 USD received" in page.locator("#split").inner_text()
    page.fill(f"#id_amount_{split_b.pk}", "200.00")
    page.click("form.split-form button[type=submit]")
    page.wait_for_selector("#cash-decide .message.success")
    assert "700.00 USD applied to 2 invoices of Contoso Pharma" in page.locator("#cash-decide").inner_text()

    assert Invoice.objects.get(pk=paid_whole.pk).status == Invoice.Status.PAID
    assert Invoice.objects.get(pk=split_a.pk).status == Invoice.Status.PAID
    assert Invoice.objects.get(pk=split_b.pk).open_amount == Decimal("200.00")
    call_command("check_ledger")

    page.goto(f"/accounts/{northwind.pk}/")
    assert "INV0031001" in page.locator("#closed-invoices").inner_text()
    assert "INV0031001" not in page.locator("#open-invoices").inner_text()
    page.goto(f"/accounts/{contoso.pk}/")
    assert "INV0032001" in page.locator("#closed-invoices").inner_text()

    page.goto("/reminders/dunning/")
    dunning = page.locator("main table").first.inner_text()
    assert "Northwind Traders" not in dunning  # its only invoice is paid
