"""The statement upload page (background import with progress, figures, per-line errors, the same
file again, dry run) and the figures page."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from banking.models import BankLine, StatementFile
from cashapp.imports import statement_file_run, statement_upload
from cashapp.models import CashMatch
from ledger.models import Invoice
from tests.factories import CustomerFactory, collector, finance, manager, past_due_invoice

pytestmark = pytest.mark.django_db
HEADER = ("account,currency,booking_date,value_date,amount,entry_reference,counterparty_name,counterparty_account,"
          "end_to_end_id,structured_reference,remittance_text")


def statement_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    """A statement in the default CSV layout: (amount, entry reference, payer, remittance text) per line."""
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    lines = [HEADER] + [f"DE89370400440532013000,USD,{day},{day},{amount},{ref},{payer},DE0210010010{n:010d},,,"
                        f"{text}" for n, (amount, ref, payer, text) in enumerate(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def boss(client):
    user = manager("imp_boss")
    client.force_login(user)
    return user


@pytest.fixture
def book():
    customer = CustomerFactory(name="Van den Berg Logistiek")
    return {"customer": customer, "paid": past_due_invoice(customer, "1250.00", days=12),
            "other": past_due_invoice(customer, "80.00", days=3)}


def _upload(client, data: bytes, capture, name="statement.csv", **fields):
    with capture(execute=True):
        return client.post(reverse("cash_import"), {"file": SimpleUploadedFile(name, data), "format": "auto",
                                                    **fields})


def test_upload_imports_in_the_background_then_shows_the_figures(client, boss, book, ledger_balances,
                                                                 django_capture_on_commit_callbacks):
    data = statement_csv([("1250.00", "E-1", "Van den Berg Logistiek", book["paid"].external_id),
                          ("-12.40", "E-2", "", "Account fee")])

    response = _upload(client, data, django_capture_on_commit_callbacks)

    file = StatementFile.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cash_import_status", args=[file.pk])
    assert file.status == StatementFile.Status.DONE and file.created_by == boss
    assert file.result["lines"] == 2 and file.result["credits"] == 1 and file.result["seconds"] >= 0
    page = client.get(response["Location"]).content.decode()
    assert "hx-trigger=\"every 1s\"" not in page  # done: the page stops polling
    assert "Customer receipts" in page and f"?file={file.pk}" in page
    assert CashMatch.objects.count() == 1
    ledger_balances()


def test_a_queued_file_shows_a_progress_bar_that_polls(client, boss, book):
    upload = statement_upload(data=statement_csv([("80.00", "E-9", "X", "")]), filename="s.csv", format="csv",
                              by=boss)
    StatementFile.objects.filter(pk=upload.file.pk).update(status=StatementFile.Status.RUNNING, progress=40)

    fragment = client.get(reverse("cash_import_status", args=[upload.file.pk]), headers={"HX-Request": "true"})

    body = fragment.content.decode()
    assert body.lstrip().startswith('<section id="import-progress"')
    assert 'hx-trigger="every 1s"' in body and '<progress max="100" value="40">' in body


def test_the_same_file_again_says_already_imported_and_adds_nothing(client, boss, book,
                                                                    django_capture_on_commit_callbacks):
    data = statement_csv([("1250.00", "E-1", "Van den Berg Logistiek", book["paid"].external_id)])
    _upload(client, data, django_capture_on_commit_callbacks)

    again = _upload(client, data, django_capture_on_commit_callbacks, name="copy.csv")

    page = client.get(again["Location"]).content.decode()
    assert "already imported" in page and "nothing added" in page
    assert StatementFile.objects.count() == 1 and BankLine.objects.count() == 1


def test_a_bad_file_is_refused_with_a_message_per_line_and_nothing_written(client, boss,
                                                                           django_capture_on_commit_callbacks):
    data = (HEADER + "\nDE89370400440532013000,USD,2026-13-45,2026-11-04,12.00,E-1,A,,,,x\n"
            "DE89370400440532013000,USD,2026-11-04,2026-11-04,abc,E-2,B,,,,y\n").encode()

    response = _upload(client, data, django_capture_on_commit_callbacks)

    file = StatementFile.objects.get()
    assert file.status == StatementFile.Status.FAILED and len(file.errors) >= 2
    page = client.get(response["Location"]).content.decode()
    assert 'class="cash-errors"' in page and "nothing" in page.lower()
    assert all(f"<td class=\"num\">{error['line']}</td>" in page for error in file.errors if error.get("line"))
    assert not BankLine.objects.exists()


def test_dry_run_shows_what_would_happen_and_writes_nothing(client, boss, book, django_capture_on_commit_callbacks):
    data = statement_csv([("1250.00", "E-1", "Van den Berg Logistiek", book["paid"].external_id)])

    response = _upload(client, data, django_capture_on_commit_callbacks, dry_run="on")

    page = response.content.decode()
    assert response.status_code == 200 and 'id="dry-run"' in page and "Nothing was written" in page
    assert not StatementFile.objects.exists() and not BankLine.objects.exists()
    assert Invoice.objects.get(pk=book["paid"].pk).open_amount == book["paid"].amount


def test_upload_without_a_file_says_so_in_the_form(client, boss):
    response = client.post(reverse("cash_import"), {"format": "auto"})
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


def test_collectors_do_not_import_statements(client):
    client.force_login(collector("imp_col"))
    assert client.get(reverse("cash_import")).status_code == 403


def test_a_failed_file_uploaded_again_runs_again(boss, book):
    data = statement_csv([("1250.00", "E-1", "Van den Berg Logistiek", book["paid"].external_id)])
    first = statement_upload(data=data, filename="s.csv", format="csv", by=boss)
    StatementFile.objects.filter(pk=first.file.pk).update(status=StatementFile.Status.FAILED, error="boom")

    second = statement_upload(data=data, filename="s.csv", format="csv", by=boss)

    assert second.queued and second.file.pk == first.file.pk
    assert statement_file_run(file_id=second.file.pk).status == StatementFile.Status.DONE
    assert statement_file_run(file_id=second.file.pk) is None  # a duplicated task finds nothing to do


# --- Figures -----------------------------------------------------------------------------------------------

def test_figures_page_shows_rates_import_speed_and_unapplied_cash_by_age(client, book,
                                                                        django_capture_on_commit_callbacks,
                                                                        django_assert_max_num_queries):
    client.force_login(manager("fig_boss"))
    data = statement_csv([("1250.00", "E-1", "Van den Berg Logistiek", book["paid"].external_id),
                          ("999.00", "E-2", "Nobody Known", "thanks")])
    _upload(client, data, django_capture_on_commit_callbacks)
    client.force_login(finance("fig_fin"))

    with django_assert_max_num_queries(20):
        response = client.get(reverse("cash_figures"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Auto-match rate" in page and "Wrong-match rate" in page and "Lines / s" in page
    assert 'id="chart-unapplied-age"' in page
    chart = json.loads(page.split('<script id="cash-age-chart" type="application/json">')[1].split("</script>")[0])
    assert len(chart["labels"]) == len(chart["amounts"]) >= 1
