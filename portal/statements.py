"""The latest monthly statement of an account, as the reminders app stored it.

Statements belong to the reminders app; the portal only hands out the newest PDF. The lookup goes
through the app registry so the portal keeps working (showing no statement) on a database that
has no statements yet.
"""

from django.apps import apps
from django.db import models

from ledger.hierarchy import chain
from ledger.models import Customer


def _statement_model():
    try:
        model = apps.get_model("reminders", "Statement")
    except LookupError:
        return None, None
    names = {f.name for f in model._meta.get_fields()}
    pdf_field = next((f.name for f in model._meta.get_fields() if isinstance(f, models.FileField)), None)
    if "customer" not in names or pdf_field is None:
        return None, None
    return model, pdf_field


def _newest_first(model) -> list[str]:
    names = {f.name for f in model._meta.get_fields()}
    return ["-month", "-pk"] if "month" in names else ["-pk"]


def latest_statement(customer: Customer):
    """The newest statement with a PDF for the account or one above it (the family's top, or the
    parent at the statement level), or None."""
    model, pdf_field = _statement_model()
    if model is None:
        return None
    return (
        model.objects.filter(customer_id__in=[c.pk for c in chain(customer)])
        .exclude(**{pdf_field: ""}).exclude(**{f"{pdf_field}__isnull": True})
        .order_by(*_newest_first(model)).first()
    )


def latest_statement_pdf(customer: Customer) -> tuple[str, bytes] | None:
    """(filename, PDF bytes) of the newest statement, or None."""
    statement = latest_statement(customer)
    if statement is None:
        return None
    stored = getattr(statement, _statement_model()[1])
    try:
        with stored.open("rb") as fh:
            return stored.name.rsplit("/", 1)[-1], fh.read()
    except (FileNotFoundError, OSError, ValueError):
        return None
