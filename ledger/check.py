"""Recompute every stored balance from the ledger rows and report each difference."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Round

from ledger.models import Application, CreditNote, Invoice, Payment, WriteOff

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


@dataclass(frozen=True)
class Difference:
    kind: str
    external_id: str
    stored: Decimal
    recomputed: Decimal

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}: stored {self.stored}, ledger says {self.recomputed}"


def _sum_of(model, fk: str, field: str = "amount", **filters):
    rows = (
        model.objects.filter(**{fk: OuterRef("pk")}, **filters)
        .order_by()
        .values(fk)
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=DecimalField(max_digits=14, decimal_places=2)), ZERO)


def ledger_differences() -> list[Difference]:
    """SQLite sums decimals as floating point, hence the rounding to cents before comparing.

    Invoice open = amount − applications − write-offs (0 when void); a payment's or credit's
    unapplied = amount − its applications (0 for a reversed payment). Returns what disagrees."""
    invoices = (
        Invoice.objects.annotate(
            recomputed=Round(
                Case(
                    When(status=Invoice.Status.VOID, then=ZERO),
                    default=F("amount") - _sum_of(Application, "invoice") - _sum_of(WriteOff, "invoice"),
                ),
                2,
            )
        )
        .exclude(open_amount=F("recomputed"))
        .values_list("external_id", "open_amount", "recomputed")
    )
    invoice_status = (
        Invoice.objects.filter(
            Q(status=Invoice.Status.PAID, open_amount__gt=0) | Q(status=Invoice.Status.OPEN, open_amount=0)
        ).values_list("external_id", "open_amount", "open_amount")
    )
    payments = (
        Payment.objects.annotate(
            recomputed=Round(
                Case(
                    When(status=Payment.Status.REVERSED, then=ZERO),
                    default=F("amount") - _sum_of(Application, "payment"),
                ),
                2,
            )
        )
        .exclude(unapplied_amount=F("recomputed"))
        .values_list("external_id", "unapplied_amount", "recomputed")
    )
    credits = (
        CreditNote.objects.annotate(recomputed=Round(F("amount") - _sum_of(Application, "credit_note"), 2))
        .exclude(unapplied_amount=F("recomputed"))
        .values_list("external_id", "unapplied_amount", "recomputed")
    )
    differences = [Difference("invoice", *row) for row in invoices]
    differences += [Difference("invoice status", *row) for row in invoice_status]
    differences += [Difference("payment", *row) for row in payments]
    differences += [Difference("credit note", *row) for row in credits]
    return differences
