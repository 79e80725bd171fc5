"""The manager's import page, the job page with its progress partial, the error report, the command."""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from erp.models import ImportJob
from erp.services import import_job_run
from ledger.models import Invoice, Payment
from tests.factories import collector, finance, manager
from tests.ledger.test_import_rules import csv_of, customer, invoice

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "import"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def manager_client(client):
    client.force_login(manager("boss"))
    return client


def upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else (SAMPLE / name).read_bytes(), "text/csv")


def sample_upload() -> dict:
    return {"customers": upload("customers.csv"), "invoices": upload("invoices.csv"),
            "payments": upload("payments.csv"), "credits": upload("credit_notes.csv")}


def test_upload_imports_and_the_job_page_shows_the_summary(manager_client, ledger_balances):
    collector("alice"), collector("bob")
    response = manager_client.post(reverse("import_upload"), sample_upload())
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("import_job", args=[job.pk])
    assert job.status == ImportJob.Status.DONE and job.processed_rows == job.total_rows == 13
    assert job.summary["invoices"] == {"created": 4, "updated": 0, "unchanged": 0}
    page = manager_client.get(response.url)
    text = page.content.decode()
    assert "Imported" in text and "invoices.csv" in text and "hx-trigger" not in text
    assert Invoice.objects.count() == 4
    ledger_balances()
    listing = manager_client.get(reverse("import_ar")).content.decode()
    assert f'href="{reverse("import_job", args=[job.pk])}"' in listing


def test_bad_file_lists_errors_and_offers_a_csv_report(manager_client):
    data = csv_of("invoices", invoice("I1", cid="NOPE"), invoice("I2", amount="-1"))
    response = manager_client.post(reverse("import_upload"), {"invoices": upload("invoices.csv", data)}, follow=True)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED and not Invoice.objects.exists()
    text = response.content.decode()
    assert "Nothing was written" in text and "unknown customer NOPE" in text and "is negative" in text
    assert reverse("import_errors_csv", args=[job.pk]) in text
    report = manager_client.get(reverse("import_errors_csv", args=[job.pk]))
    assert report["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    assert rows[0] == ["file", "row", "column", "reason"]
    assert [r[:3] for r in rows[1:]] == [["invoices.csv", "2", "customer_id"], ["invoices.csv", "3", "amount"]]


def test_upload_without_files_is_refused_with_a_message(manager_client):
    response = manager_client.post(reverse("import_upload"), {})
    assert response.status_code == 400 and "Choose at least one file" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_big_upload_runs_as_a_task_and_the_page_polls_until_done(
    manager_client, settings, monkeypatch, django_capture_on_commit_callbacks,
):
    settings.IMPORT_INLINE_MAX_BYTES = 10
    queued = []
    monkeypatch.setattr("erp.views.import_job_run_task.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("import_upload"),
                                       {"customers": upload("customers.csv", csv_of("customers", customer()))})
    job = ImportJob.objects.get()
    assert queued == [job.pk] and job.status == ImportJob.Status.QUEUED and job.total_rows == 1
    polling = manager_client.get(response.url, headers={"HX-Request": "true"})
    text = polling.content.decode()
    assert 'hx-trigger="every 1s"' in text and "<progress" in text and "<html" not in text
    from erp.tasks import import_job_run_task

    assert import_job_run_task.apply(args=[job.pk]).get() == ImportJob.Status.DONE
    done = manager_client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "customers.csv" in done
    # A second delivery of the same task finds the job already claimed and does nothing.
    assert import_job_run(job_id=job.pk) is None


def test_celery_task_imports_through_the_worker_path(manager_client, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_INLINE_MAX_BYTES = 0  # conftest runs tasks eagerly
    collector("alice"), collector("bob")
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("import_upload"), sample_upload())
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and Payment.objects.count() == 2


def test_collector_and_finance_get_403(client):
    job = ImportJob.objects.create()
    for user in (collector("carl"), finance("fiona")):
        client.force_login(user)
        for url in (reverse("import_ar"), reverse("import_job", args=[job.pk]),
                    reverse("import_errors_csv", args=[job.pk])):
            assert client.get(url).status_code == 403
        assert client.post(reverse("import_upload"), sample_upload()).status_code == 403
    assert ImportJob.objects.count() == 1


def test_pages_use_a_bounded_number_of_queries(manager_client, django_assert_max_num_queries):
    boss = manager("boss")
    errors = [{"file": "invoices", "row": n, "column": "amount", "reason": "is zero"} for n in range(2, 800)]
    jobs = [ImportJob.objects.create(created_by=boss, status="rejected", errors=errors) for _ in range(25)]
    with django_assert_max_num_queries(8):
        assert manager_client.get(reverse("import_ar")).status_code == 200
    with django_assert_max_num_queries(8):
        page = manager_client.get(reverse("import_job", args=[jobs[0].pk]))
    assert "The first 500 of 798 problems are shown" in page.content.decode()


def test_import_ar_command_prints_a_summary_per_file(capsys):
    collector("alice"), collector("bob")
    args = ["--customers", SAMPLE / "customers.csv", "--invoices", SAMPLE / "invoices.csv",
            "--payments", SAMPLE / "payments.csv", "--credits", SAMPLE / "credit_notes.csv"]
    call_command("import_ar", *map(str, args), "--dry-run")
    assert "Checked (dry run, nothing written)" in capsys.readouterr().out and not Invoice.objects.exists()
    call_command("import_ar", *map(str, args))
    out = capsys.readouterr().out
    assert "invoices.csv: 4 created, 0 updated, 0 unchanged" in out and Invoice.objects.count() == 4
    call_command("import_ar", *map(str, args))
    assert "payments.csv: 0 created, 0 updated, 2 unchanged" in capsys.readouterr().out


def test_import_ar_command_lists_errors_and_exits_non_zero(tmp_path, capsys):
    bad = tmp_path / "invoices.csv"
    bad.write_bytes(csv_of("invoices", invoice("I1", cid="NOPE")))
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_ar", "--invoices", str(bad))
    assert "invoices.csv row 2, customer_id: unknown customer NOPE" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_ar", "--payments", str(tmp_path / "missing.csv"))


def test_an_unexpected_crash_marks_the_job_failed_and_keeps_the_files(manager_client, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("erp.services.import_files", crash)
    response = manager_client.post(reverse("import_upload"), {"customers": upload("customers.csv")}, follow=True)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and "nothing was written" in job.stage
    assert Path(job.files["customers"]).exists()
    assert "Failed" in response.content.decode() and "disk on fire" not in response.content.decode()


def _job_left_running(*, minutes_ago: int, attempts: int = 1) -> ImportJob:
    """A job whose worker died mid-import: claimed, files on disk, nothing written, no news since."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from erp.services import import_job_start

    for name in ("alice", "bob"):  # the sample's collectors
        if not get_user_model().objects.filter(username=name).exists():
            collector(name)
    job = import_job_start(files=sample_upload(), by=manager("uploader"))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, attempts=attempts,
                                               heartbeat_at=timezone.now() - timedelta(minutes=minutes_ago))
    return job


def test_an_import_whose_worker_died_is_claimed_again_after_its_lease_and_imported(settings, ledger_balances):
    settings.IMPORT_LEASE_SECONDS = 600
    alive = _job_left_running(minutes_ago=2)
    assert import_job_run(job_id=alive.pk) is None  # still within its lease: another worker has it

    lost = _job_left_running(minutes_ago=30)
    done = import_job_run(job_id=lost.pk)
    assert done.status == ImportJob.Status.DONE and done.attempts == 2 and Invoice.objects.exists()
    assert ImportJob.objects.get(pk=alive.pk).status == ImportJob.Status.RUNNING
    ledger_balances()


def test_the_sweep_hands_lost_jobs_to_a_worker_and_gives_up_after_the_last_attempt(settings):
    from erp.tasks import import_jobs_resume

    settings.IMPORT_LEASE_SECONDS, settings.IMPORT_MAX_ATTEMPTS = 600, 3
    lost = _job_left_running(minutes_ago=30)
    hopeless = _job_left_running(minutes_ago=30, attempts=3)
    alive = _job_left_running(minutes_ago=1)

    assert import_jobs_resume.delay().get() == [lost.pk, hopeless.pk]  # tasks run eagerly in the tests
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert statuses[lost.pk] == ImportJob.Status.DONE
    assert statuses[alive.pk] == ImportJob.Status.RUNNING
    assert statuses[hopeless.pk] == ImportJob.Status.FAILED
    assert ImportJob.objects.get(pk=hopeless.pk).stage == "Worker lost 3 times; nothing written"
    assert import_jobs_resume.delay().get() == []


def test_progress_keeps_the_job_alive():
    job = _job_left_running(minutes_ago=30)
    before = ImportJob.objects.get(pk=job.pk).heartbeat_at
    done = import_job_run(job_id=job.pk)
    assert done.heartbeat_at > before
