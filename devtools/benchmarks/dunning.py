"""Figures for `make bench`: how fast the dunning pass evaluates and how fast statements render."""

import time
from datetime import date

from django.utils import timezone

from ledger.models import Customer
from reminders.dunning import dunning_plan
from reminders.statements import statement_customers, statement_data, statement_pdf


def dunning_pass_rate(as_of: date | None = None) -> dict:
    """Evaluate the whole book as the daily pass would (a dry run, nothing written)."""
    start = time.perf_counter()
    plan = dunning_plan(as_of or timezone.localdate())
    seconds = time.perf_counter() - start
    counts = plan.counts()
    return {**counts, "seconds": round(seconds, 3),
            "invoices_per_second": round(plan.invoices_evaluated / seconds) if seconds else None,
            "messages_per_second": round(counts["messages"] / seconds) if seconds else None}


def statement_render_rate(sample: int = 100, as_of: date | None = None) -> dict:
    """Render `sample` statement PDFs in this process (one worker's rate; nothing stored or sent)."""
    as_of = as_of or timezone.localdate()
    ids = list(statement_customers().order_by("pk").values_list("pk", flat=True)[:sample])
    start = time.perf_counter()
    for customer in Customer.objects.filter(pk__in=ids):
        statement_pdf(statement_data(customer, as_of), "https://example.invalid/portal/token/")
    seconds = time.perf_counter() - start
    return {"statements": len(ids), "seconds": round(seconds, 3),
            "statements_per_second": round(len(ids) / seconds, 1) if seconds else None}
