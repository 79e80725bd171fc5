"""What the ledger already holds for the ERP ids of an upload: one query per kind, in chunks of ids.

Each function returns plain dicts keyed by ERP id, so that checking half a million rows is a dict
lookup per row and never a query per row.
"""

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef

from collections_app.models import Application, CreditNote, Customer, Invoice, Payment
from portfolios.models import Portfolio, Role


def chunks(ids):
    """Slices of ids small enough for one `IN (…)` on this database (SQLite allows 999 parameters)."""
    size = (connection.features.max_query_params or 20001) - 1
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def customers(ids) -> dict[str, dict]:
    found = {}
    fields = ("pk", "external_id", "name", "parent__external_id", "email", "phone", "payment_terms_days",
              "credit_limit", "currency", "segment", "portfolio_id", "portfolio__collector__username")
    for chunk in chunks(ids):
        for row in Customer.objects.filter(external_id__in=chunk).values(*fields):
            found[row["external_id"]] = row
    return found


def children_of(ids) -> dict[str, str]:
    """Customers in the ledger whose family head is one of `ids`: child id → head id."""
    found = {}
    for chunk in chunks(ids):
        found.update(Customer.objects.filter(parent__external_id__in=chunk)
                     .values_list("external_id", "parent__external_id"))
    return found


def collectors(usernames) -> dict[str, dict]:
    """username → {pk, is_collector, portfolio_id (their first portfolio, or None)}."""
    users = {}
    is_collector = get_user_model().groups.through.objects.filter(user_id=OuterRef("pk"), group__name=Role.COLLECTOR)
    for chunk in chunks(usernames):
        for pk, username, collects in (get_user_model().objects.filter(username__in=chunk, is_active=True)
                                       .annotate(collects=Exists(is_collector))
                                       .values_list("pk", "username", "collects")):
            users[username] = {"pk": pk, "is_collector": collects, "portfolio_id": None}
    by_pk = {user["pk"]: user for user in users.values()}
    if by_pk:
        for pk, collector_id in (Portfolio.objects.filter(collector_id__in=list(by_pk))
                                 .order_by("-pk").values_list("pk", "collector_id")):
            by_pk[collector_id]["portfolio_id"] = pk  # ordered newest first, so the oldest wins
    return users


def invoices(ids) -> dict[str, dict]:
    found = {}
    fields = ("pk", "external_id", "customer_id", "customer__external_id", "customer__parent__external_id",
              "issue_date", "due_date", "amount", "currency", "po_number", "open_amount", "status")
    for chunk in chunks(ids):
        for row in Invoice.objects.filter(external_id__in=chunk).values(*fields):
            found[row["external_id"]] = row
    return found


def cash(kind: str, ids) -> dict[str, dict]:
    """Payments (kind "payments") or credit notes ("credits") already imported, each with what was
    applied to which invoice: {"applied": {invoice id: amount}} (reversals left out)."""
    model, source = (Payment, "payment") if kind == "payments" else (CreditNote, "credit_note")
    date_field = "received_date" if kind == "payments" else "issue_date"
    found = {}
    for chunk in chunks(ids):
        for row in model.objects.filter(external_id__in=chunk).values(
            "pk", "external_id", "customer__external_id", date_field, "amount", "currency"
        ):
            row["on"] = row.pop(date_field)
            row["applied"] = defaultdict(Decimal)
            found[row["external_id"]] = row
        applications = (Application.objects.filter(**{f"{source}__external_id__in": chunk}, amount__gt=0)
                        .values_list(f"{source}__external_id", "invoice__external_id", "amount"))
        for external_id, invoice_id, amount in applications:
            found[external_id]["applied"][invoice_id] += amount
    return found
