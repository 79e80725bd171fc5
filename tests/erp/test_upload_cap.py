"""The import page refuses a file over IMPORT_MAX_UPLOAD_MB with a message on the file's field, and
writes nothing; a file under the cap is taken as before."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from erp.models import ImportJob
from tests.factories import manager
from tests.ledger.test_import_rules import csv_of, customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(manager("boss_cap"))
    return client


def test_a_file_over_the_cap_is_refused_with_a_message_on_its_field(manager_client, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    big = csv_of("customers", *[customer(cid=f"C{n:06d}", name="x" * 100) for n in range(12_000)])
    assert len(big) > 2**20
    response = manager_client.post(reverse("import_upload"),
                                   {"customers": SimpleUploadedFile("customers.csv", big, "text/csv")})
    assert response.status_code == 400
    errors = response.context["form"].errors["customers"]
    assert "the import takes files up to 1 MB" in errors[0]
    assert "the import takes files up to 1 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_under_the_cap_is_imported(manager_client, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    small = csv_of("customers", customer())
    response = manager_client.post(reverse("import_upload"),
                                   {"customers": SimpleUploadedFile("customers.csv", small, "text/csv")})
    assert response.status_code == 302
    assert ImportJob.objects.get().status == ImportJob.Status.DONE


def test_the_cap_defaults_to_a_generous_size():
    from django.conf import settings

    assert settings.IMPORT_MAX_UPLOAD_MB >= 50
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 10 * 2**20  # bigger uploads go to a temporary file
