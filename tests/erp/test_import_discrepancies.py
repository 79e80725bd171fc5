"""An import that writes a possible duplicate still imports (a warning, not a refusal) and says so:
on the job page, in the command's output and in the bulk API's answer. A dry run writes nothing and
flags nothing; an import with nothing suspicious has no warning."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from erp.models import ImportJob
from ledger.models import Invoice
from tests.api.conftest import integration_user, token_client
from tests.factories import manager
from tests.ledger.test_import_rules import cash, csv_of, customer, invoice
from work.discrepancies.models import Discrepancy
from work.models import QueueTask

pytestmark = pytest.mark.django_db
Kind = Discrepancy.Kind


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def suspicious_book(folder: Path) -> dict[str, str]:
    """Two invoices of one customer for the same amount 3 days apart, one due 90 days after issue on
    30-day terms, and one payment recorded twice the same day."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "customers": csv_of("customers", customer("C1"), customer("C2", name="Other")),
        "invoices": csv_of("invoices", invoice("INV-1001", amount="4200.00"),
                           invoice("INV-1001A", issued="2026-09-04", due="2026-10-04", amount="4200.00"),
                           invoice("INV-2000", cid="C2", due="2026-11-30", amount="50.00")),
        "payments": csv_of("payments", cash("P1", amount="300.00"), cash("P2", amount="300.00")),
    }
    paths = {}
    for kind, data in files.items():
        path = folder / f"{kind}.csv"
        path.write_bytes(data)
        paths[kind] = str(path)
    return paths


def test_the_upload_imports_the_duplicates_and_the_job_page_warns_with_a_link(client, tmp_path):
    client.force_login(manager("boss"))
    paths = suspicious_book(tmp_path / "in")
    uploads = {kind: SimpleUploadedFile(f"{kind}.csv", Path(path).read_bytes(), "text/csv")
               for kind, path in paths.items()}

    response = client.post(reverse("import_upload"), uploads)

    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and Invoice.objects.count() == 3
    assert sorted(Discrepancy.objects.values_list("kind", flat=True)) == [
        Kind.DUPLICATE_INVOICE, Kind.DUPLICATE_PAYMENT, Kind.TERMS_MISMATCH]
    flag = Discrepancy.objects.get(kind=Kind.DUPLICATE_INVOICE)
    assert flag.invoice.external_id == "INV-1001A" and flag.other_invoice.external_id == "INV-1001"
    assert QueueTask.objects.filter(kind=QueueTask.Kind.DISCREPANCY, status=QueueTask.Status.OPEN).count() == 3
    page = client.get(response.url).content.decode()
    assert "3 possible duplicates or discrepancies flagged (warnings; the import stands)" in page
    assert "1 possible duplicate invoice, 1 due date does not follow the terms, 1 payment recorded twice" in page
    assert f'href="{reverse("discrepancies")}"' in page


def test_the_command_prints_the_warning_and_a_dry_run_flags_nothing(tmp_path):
    paths = suspicious_book(tmp_path)
    out = io.StringIO()
    call_command("import_ar", **paths, dry_run=True, stdout=out)
    assert Discrepancy.objects.count() == 0 and "flagged" not in out.getvalue()

    call_command("import_ar", **paths, stdout=out)
    assert "3 possible duplicates or discrepancies flagged" in out.getvalue()
    out = io.StringIO()
    call_command("import_ar", **paths, stdout=out)  # the same files again: nothing new, no warning
    assert "flagged" not in out.getvalue() and Discrepancy.objects.count() == 3


def test_the_bulk_api_answers_with_the_warnings_and_a_clean_batch_has_none():
    erp = token_client(integration_user())
    assert erp.post(reverse("api_import_customers"), [{"customer_id": "C1", "name": "Acme", "currency": "USD"}],
                    format="json").status_code == 200
    rows = [{"invoice_id": "A-1", "customer_id": "C1", "issue_date": "2026-09-01", "due_date": "2026-10-01",
             "amount": "99.00", "currency": "USD", "po_number": "PO-5"}]

    clean = erp.post(reverse("api_import_invoices"), rows, format="json")
    assert clean.status_code == 200 and clean.json()["warnings"] == []

    rows[0] |= {"invoice_id": "A-2", "issue_date": "2026-11-15", "due_date": "2026-12-15"}
    flagged = erp.post(reverse("api_import_invoices"), rows, format="json")
    assert flagged.status_code == 200 and Invoice.objects.filter(external_id="A-2").exists()
    [warning] = flagged.json()["warnings"]
    assert warning.startswith("1 possible duplicate or discrepancy flagged (warnings; the import stands): "
                              "1 possible duplicate invoice")
    assert "same PO PO-5" in Discrepancy.objects.get().detail
