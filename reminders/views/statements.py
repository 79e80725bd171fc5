from datetime import date

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ledger.selectors import visible_customers
from portfolios.access import any_role, manager_required
from reminders import selectors
from reminders.models import Statement, StatementRun
from reminders.statements import statement_run, statement_run_progress


@require_GET
@manager_required
def statements(request):
    runs = selectors.statement_runs().prefetch_related("failures__customer")
    ctx = {"nav": "outbox", "runs": runs, "this_month": timezone.localdate().replace(day=1)}
    return render(request, "reminders/statements.html", ctx)


@require_POST
@manager_required
def statement_run_start(request):
    try:
        month = date.fromisoformat(request.POST.get("month", "") + "-01")
    except ValueError:
        messages.error(request, "Pick a month as YYYY-MM.")
        return redirect("statements")
    run = statement_run(month=month)
    messages.success(request, f"Statement run for {month:%B %Y} started: {run.total} accounts.")
    return redirect("statements")


@require_GET
@manager_required
def statement_run_status(request, pk: int):
    """Polled by the statements page (HTMX) while a run is in progress."""
    get_object_or_404(StatementRun, pk=pk)
    run = statement_run_progress(run_id=pk)
    return render(request, "reminders/statements.html#run", {"run": run})


@require_GET
@any_role
def statement_download(request, pk: int):
    statement = get_object_or_404(Statement.objects.filter(customer__in=visible_customers(request.user)), pk=pk)
    return FileResponse(statement.pdf.open("rb"), as_attachment=True,
                        filename=f"statement-{statement.customer.external_id}-{statement.month:%Y-%m}.pdf",
                        content_type="application/pdf")
