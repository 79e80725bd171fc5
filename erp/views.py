"""The manager's import page: upload ERP exports, preview them as they will be read, follow the job,
read the summary or the errors."""

import csv

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from core.exports import csv_row
from erp.forms import ImportUploadForm
from erp.models import ImportJob
from erp.services import (
    import_job_confirm,
    import_job_preview,
    import_job_run,
    import_job_size,
    import_job_start,
    job_mapping,
    mapping_profile_save,
)
from erp.tasks import import_job_run_task
from ledger.imports.validation import FILE_NAMES, KINDS
from portfolios.access import manager_required

RECENT = 20
ERRORS_SHOWN = 500


def _inline_limit() -> int:
    """Uploads up to this many bytes are imported during the request; bigger ones go to a worker."""
    return getattr(settings, "IMPORT_INLINE_MAX_BYTES", 512 * 1024)


def _page(request, form, status=200):
    jobs = ImportJob.objects.select_related("created_by")[:RECENT]
    return render(request, "imports/import.html", {"nav": "import", "form": form, "jobs": jobs}, status=status)


def _run(job: ImportJob):
    if import_job_size(job) <= _inline_limit():
        import_job_run(job_id=job.pk)
    else:
        transaction.on_commit(lambda: import_job_run_task.delay(job.pk))
    return redirect("import_job", job.pk)


@require_GET
@manager_required
def import_ar(request):
    return _page(request, ImportUploadForm())


@require_POST
@manager_required
def import_upload(request):
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    if form.profile_to_save():
        mapping_profile_save(name=form.profile_to_save(), mapping=form.mapping(), by=request.user)
    previewing = request.POST.get("action") == "preview"
    job = import_job_start(files=form.files_given(), by=request.user, mapping=form.mapping(),
                           preview_first=previewing)
    if previewing:
        return redirect("import_preview", job.pk)
    return _run(job)


@require_GET
@manager_required
def import_preview(request, pk: int):
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)
    if job.status != ImportJob.Status.PREVIEW:
        return redirect("import_job", job.pk)
    mapping = job_mapping(job)
    context = {"nav": "import", "job": job, "files": import_job_preview(job),
               "mapping": mapping.describe() if mapping else ""}
    return render(request, "imports/preview.html", context)


@require_POST
@manager_required
def import_confirm(request, pk: int):
    get_object_or_404(ImportJob, pk=pk)
    job = import_job_confirm(job_id=pk)
    if job is None:  # imported already (a second click, another tab)
        return redirect("import_job", pk)
    return _run(job)


@require_GET
@manager_required
def import_job(request, pk: int):
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)
    errors = [{**error, "file": FILE_NAMES.get(error["file"], error["file"])} for error in job.errors[:ERRORS_SHOWN]]
    summary = [(FILE_NAMES[kind], job.summary[kind]) for kind in KINDS if kind in job.summary]
    mapping = job_mapping(job)
    read_with = [(FILE_NAMES[kind], how) for kind, how in (job.summary.get("read_with") or {}).items()
                 if kind in FILE_NAMES]
    context = {"nav": "import", "job": job, "errors": errors, "summary": summary, "read_with": read_with,
               "mapping": mapping.describe() if mapping else "",
               "running": job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)}
    return render(request, "imports/job.html#progress" if request.htmx else "imports/job.html", context)


@require_GET
@manager_required
def import_errors_csv(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"import-{job.pk}-errors.csv")
    writer = csv.writer(response)
    writer.writerow(["file", "row", "column", "reason"])
    writer.writerows(csv_row([FILE_NAMES.get(error["file"], error["file"]), error["row"], error["column"],
                              error["reason"]]) for error in job.errors)  # a reason may quote a hostile cell
    return response
