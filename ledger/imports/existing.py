"""What the ledger already holds for the ERP ids of an upload: one query per kind, in chunks of ids.

Each function returns plain dicts keyed by ERP id, so that checking half a million rows is a dict
lookup per row and never a query per row.
"""

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef
from django.db.models.expressions import RawSQL

from ledger.models import Application, CreditNote, Customer, Invoice, Payment
from portfolios.models import Portfolio, Role


def chunks(ids):
    """Slices of ids small enough for one `IN (…)` on this database (SQLite allows 999 parameters)."""
    size = (connection.features.max_query_params or 20001) - 1
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


SEPARATOR = "\x1f"  # ASCII unit separator: not in any ERP id we have seen (checked per chunk all the same)


def by_ids(model, ids, column: str = "external_id"):
    """`model` rows whose `column` is one of `ids`, a chunk at a time. On PostgreSQL a chunk is one
    parameter, which spares building and binding thousands: text ids go as one string split by the
    database (half the time of an array of 50,000 quoted strings), numbers as an array."""
    ids = list(ids)
    if connection.vendor != "postgresql":
        for chunk in chunks(ids):
            yield model.objects.filter(**{f"{column}__in": chunk})
        return
    field = f"{connection.ops.quote_name(model._meta.db_table)}.{connection.ops.quote_name(column)}"
    for start in range(0, len(ids), 100000):
        chunk = ids[start:start + 100000]
        joined = SEPARATOR.join(chunk) if chunk and isinstance(chunk[0], str) else None
        if joined is not None and joined.count(SEPARATOR) == len(chunk) - 1:
            condition = RawSQL(f"{field} = ANY(string_to_array(%s, chr(31)))", [joined], output_field=BooleanField())
        else:
            condition = RawSQL(f"{field} = ANY(%s)", [chunk], output_field=BooleanField())
        yield model.objects.filter(condition)


def customers(ids) -> dict[str, dict]:
    found = {}
    fields = ("pk", "external_id", "name", "parent__external_id", "family_top__external_id", "email", "phone",
              "payment_terms_days",
              "credit_limit", "currency", "segment", "portfolio_id", "portfolio__collector__username")
    for rows in by_ids(Customer, ids):
        for row in rows.values(*fields):
            found[row["external_id"]] = row
    return found


def parents_of(ids) -> dict[str, str | None]:
    """Customers in the ledger among `ids`: id → its parent's id (None for a top)."""
    found = {}
    for rows in by_ids(Customer, ids):
        found.update(rows.values_list("external_id", "parent__external_id"))
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


def invoices(ids, *, lock: bool = False) -> dict[str, dict]:
    """With `lock`, the invoices stay locked until the transaction ends (PostgreSQL)."""
    found = {}
    fields = ("pk", "external_id", "customer_id", "customer__external_id", "customer__family_top__external_id",
              "issue_date", "due_date", "amount", "currency", "po_number", "open_amount", "status")
    for rows in by_ids(Invoice, ids):
        if lock:
            rows = rows.select_for_update(of=("self",))
        for row in rows.values(*fields):
            found[row["external_id"]] = row
    return found


def cash(kind: str, ids) -> dict[str, dict]:
    """Payments (kind "payments") or credit notes ("credits") already imported, each with what was
    applied to which invoice: {"applied": {invoice id: amount}} (reversals left out)."""
    model, source = (Payment, "payment") if kind == "payments" else (CreditNote, "credit_note")
    date_field = "received_date" if kind == "payments" else "issue_date"
    found = {}
    for rows in by_ids(model, ids):
        for row in rows.values("pk", "external_id", "customer__external_id", date_field, "amount", "currency"):
            row["on"] = row.pop(date_field)
            row["applied"] = defaultdict(Decimal)
            found[row["external_id"]] = row
    by_pk = {row["pk"]: row for row in found.values()}
    for rows in by_ids(Application, by_pk, column=f"{source}_id"):
        for source_pk, invoice_id, amount in rows.filter(amount__gt=0).values_list(
            f"{source}_id", "invoice__external_id", "amount"
        ):
            by_pk[source_pk]["applied"][invoice_id] += amount
    return found


PAYMENT_FIELDS = ("pk", "external_id", "erp_external_id", "customer__external_id", "customer__family_top__external_id",
                  "amount", "currency", "status")


def linked_payments(erp_ids) -> dict[str, dict]:
    """Payments taken here that an earlier import linked to one of these ERP payment ids."""
    found = {}
    for rows in by_ids(Payment, erp_ids, column="erp_external_id"):
        for row in rows.values(*PAYMENT_FIELDS):
            found[row["erp_external_id"]] = row
    return found


def payments_taken_here(external_ids) -> dict[str, dict]:
    """Our payments (taken online or matched from a bank statement) by our payment id."""
    found = {}
    for rows in by_ids(Payment, external_ids):
        for row in rows.filter(source__in=(Payment.Source.ONLINE, Payment.Source.BANK)).values(*PAYMENT_FIELDS):
            found[row["external_id"]] = row
    return found
