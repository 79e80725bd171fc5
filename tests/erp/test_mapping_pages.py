"""The upload page with mapping options and profiles, its preview step, and `import_ar --mapping`."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from erp.models import ImportJob, MappingProfile
from ledger.models import Customer, Invoice
from tests.factories import manager

pytestmark = pytest.mark.django_db

GERMAN = ("Belegnr;Kunde;Kundenname;Belegdatum;Fällig;Betrag\r\n"
          "R-1;K1;Bäckerei Müller;31.08.2026;30.09.2026;1.234,50\r\n"
          "R-2;K1;Bäckerei Müller;01.09.2026;01.10.2026;(5,00)\r\n").encode("windows-1252")
GERMAN_COLUMNS = ("invoice_id=Belegnr\ncustomer_id=Kunde\ncustomer_name=Kundenname\nissue_date=Belegdatum\n"
                  "due_date=Fällig\namount=Betrag")
OPTIONS = {"date_format": "dmy", "decimal": ",", "thousands": ".", "default_currency": "EUR",
           "columns": GERMAN_COLUMNS, "create_customers": "on"}


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def manager_client(client):
    client.force_login(manager("boss"))
    return client


def upload(data: bytes, name="export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "text/csv")


def test_preview_shows_what_was_detected_and_the_problem_cells_then_imports(manager_client, ledger_balances):
    response = manager_client.post(reverse("import_upload"), {"invoices": upload(GERMAN), "action": "preview",
                                                              **OPTIONS})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("import_preview", args=[job.pk])
    assert job.status == ImportJob.Status.PREVIEW and not Invoice.objects.exists()
    page = manager_client.get(response.url).content.decode()
    assert "detected: CSV, windows-1252 (detected), &#x27;;&#x27; (detected)" in page
    assert "1234.50" in page and "2026-08-31" in page and "Bäckerei Müller" in page and "← Belegnr" in page
    assert page.count('class="import-problem"') == 1 and "is not an amount (the mapping reads a decimal comma" in page
    assert 'action="' + reverse("import_confirm", args=[job.pk]) in page
    done = manager_client.post(reverse("import_confirm", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED and "(5,00)" in done.content.decode()
    # the job page says how the file was read, accepted or not
    assert "invoices.csv: read as CSV, windows-1252 (detected), &#x27;;&#x27; (detected)" in done.content.decode()
    assert not Invoice.objects.exists() and not Customer.objects.exists()

    fixed = manager_client.post(reverse("import_upload"), {"invoices": upload(GERMAN), "action": "preview",
                                                           **OPTIONS, "parentheses": "on", "sign": "absolute",
                                                           "save_as": "DATEV"})
    job = ImportJob.objects.get(status=ImportJob.Status.PREVIEW)
    assert 'class="import-problem"' not in manager_client.get(fixed.url).content.decode()
    manager_client.post(reverse("import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.errors
    assert job.summary["read_with"] == {"invoices": "CSV, windows-1252 (detected), ';' (detected)"}
    assert sorted(Invoice.objects.values_list("external_id", "amount", "currency")) == [
        ("R-1", 1234.5, "EUR"), ("R-2", 5, "EUR")]
    assert Customer.objects.get().name == "Bäckerei Müller"
    ledger_balances()
    again = manager_client.post(reverse("import_confirm", args=[job.pk]))
    assert again.url == reverse("import_job", args=[job.pk])  # a second click imports nothing twice

    assert MappingProfile.objects.get(name="DATEV").mapping().sign == "absolute"
    by_profile = manager_client.post(reverse("import_upload"), {"invoices": upload(GERMAN), "profile": "DATEV"})
    assert ImportJob.objects.get(pk=by_profile.url.rstrip("/").split("/")[-1]).summary["invoices"]["unchanged"] == 2


def test_bad_options_and_a_taken_profile_name_are_shown_on_the_form(manager_client):
    MappingProfile.objects.create(name="SAP", options={})
    response = manager_client.post(reverse("import_upload"), {
        "invoices": upload(GERMAN), "default_currency": "EURO", "columns": "invoice_id\nnope=X", "save_as": "SAP",
        "encoding": "klingon"})
    text = response.content.decode()
    assert response.status_code == 400 and not ImportJob.objects.exists()
    assert "Line 1 (invoice_id)" in text and "&#x27;nope&#x27; is not one of our columns" in text
    assert "EURO" in text and "klingon" in text and "A profile named SAP exists already" in text


def test_native_upload_still_imports_and_an_xlsx_too(manager_client):
    book = Workbook()
    book.active.append(["customer_id", "name", "currency"])
    book.active.append(["C9", "From Excel", "USD"])
    out = io.BytesIO()
    book.save(out)
    response = manager_client.post(reverse("import_upload"), {"customers": upload(out.getvalue(), "c.xlsx")})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportJob.Status.DONE, job.errors
    assert Customer.objects.get().name == "From Excel"


def test_preview_of_an_imported_job_goes_to_the_job(manager_client):
    manager_client.post(reverse("import_upload"), {"customers": upload(b"customer_id,name\nC1,A\n")})
    job = ImportJob.objects.get()
    assert manager_client.get(reverse("import_preview", args=[job.pk])).url == reverse("import_job", args=[job.pk])


def test_command_takes_a_profile_or_a_json_file_and_flags_over_them(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(GERMAN)
    options = {"date_format": "dmy", "decimal": ",", "thousands": ".", "default_currency": "EUR",
               "create_customers": True, "parentheses": True,
               "columns": dict(line.split("=") for line in GERMAN_COLUMNS.splitlines())}
    (tmp_path / "datev.json").write_text(json.dumps(options))
    with pytest.raises(CommandError):
        call_command("import_ar", "--invoices", str(path), "--mapping", str(tmp_path / "datev.json"),
                     stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert "is negative" in err.getvalue()
    out = io.StringIO()
    call_command("import_ar", "--invoices", str(path), "--mapping", str(tmp_path / "datev.json"),
                 "--sign", "absolute", "--dry-run", stdout=out)
    assert "windows-1252 (detected), ';' (detected)" in out.getvalue() and "dry run" in out.getvalue()
    MappingProfile.objects.create(name="DATEV", kind="invoices", options=options | {"sign": "absolute"})
    call_command("import_ar", "--invoices", str(path), "--mapping", "DATEV", stdout=io.StringIO())
    assert Invoice.objects.count() == 2
    with pytest.raises(CommandError, match="no such profile .profiles: DATEV"):
        call_command("import_ar", "--invoices", str(path), "--mapping", "SAP")
    with pytest.raises(CommandError, match="'EURO' is not an ISO 4217"):
        call_command("import_ar", "--invoices", str(path), "--default-currency", "EURO")
    with pytest.raises(CommandError, match="--map amount: write our column=the export's column"):
        call_command("import_ar", "--invoices", str(path), "--map", "amount")
