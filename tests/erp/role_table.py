"""The role table's walk over the URLs: the previewed upload its import URLs name."""

from erp.models import ImportJob

STAGE = "Role table: a previewed upload"


def role_table_kwargs(side: dict) -> dict:
    """A previewed upload without files (made on first use in the test): confirming it imports
    nothing, and says so on the job's page."""
    job = (ImportJob.objects.filter(stage=STAGE, status=ImportJob.Status.PREVIEW).first()
           or ImportJob.objects.create(stage=STAGE, status=ImportJob.Status.PREVIEW))
    return {name: {"pk": job.pk} for name in ("import_preview", "import_confirm")}
