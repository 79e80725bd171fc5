"""Labels for late-payment charges in tables built from report frames (which carry invoice ids only)."""

from django import template

from ledger.models import Invoice

register = template.Library()


@register.simple_tag
def charge_kinds(rows) -> dict[int, str]:
    """{invoice id: "late fee" | "interest"} for the charges among `rows` (dicts with an
    `invoice_id`): one query for the whole table."""
    ids = [row["invoice_id"] for row in rows]
    if not ids:
        return {}
    labels = {Invoice.DocumentType.LATE_FEE: "late fee", Invoice.DocumentType.INTEREST: "interest"}
    charges = Invoice.objects.filter(pk__in=ids).exclude(document_type=Invoice.DocumentType.INVOICE)
    return {pk: labels[kind] for pk, kind in charges.values_list("pk", "document_type")}


@register.filter
def label_of(kinds: dict, invoice_id) -> str:
    return kinds.get(invoice_id, "")
