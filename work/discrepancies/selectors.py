"""Reads of the discrepancies: the worklist, and the invoices a confirmed duplicate keeps from dunning."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from ledger.models import Customer
from work.discrepancies.models import Discrepancy


def worklist(customers: QuerySet[Customer], *, kind: str = "", status: str = "") -> QuerySet[Discrepancy]:
    """The flags on the accounts the user may open (`customers`: ledger.selectors.visible_customers),
    most certain first, with everything a row shows loaded in the same query."""
    flags = Discrepancy.objects.filter(customer__in=customers).select_related(
        "customer", "invoice", "other_invoice", "payment", "other_payment", "credit_note", "decided_by")
    if kind:
        flags = flags.filter(kind=kind)
    if status:
        flags = flags.filter(status=status)
    return flags


def confirmed_duplicate() -> Q:
    """An invoice (the outer query's row) a collector confirmed is a duplicate of another: it is not
    reminded ("flagged as a duplicate") while the ERP cancels it."""
    return Q(Exists(Discrepancy.objects.filter(invoice=OuterRef("pk"), kind=Discrepancy.Kind.DUPLICATE_INVOICE,
                                               status=Discrepancy.Status.CONFIRMED)))


def open_counts(customers: QuerySet[Customer]) -> dict[str, int]:
    """Open flags per kind on these accounts, for the worklist's filter labels."""
    rows = Discrepancy.objects.filter(customer__in=customers, status=Discrepancy.Status.OPEN).order_by().values(
        "kind").annotate(n=Count("pk"))
    return {row["kind"]: row["n"] for row in rows}
