"""Promises to pay: how they settle from the cash that reaches their invoices."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from core.money import MONEY_FIELD, ZERO
from ledger.imports.bulk import objects_update
from ledger.models import Application, Payment
from work.models import PromiseToPay


def _paid_towards() -> tuple[Exists, Coalesce, Coalesce]:
    """Cash and credit that reached a promise's invoices between the day it was made and its date;
    for a promise that names no invoice, the account's payments received in that window."""
    on_invoices = (
        Application.objects.filter(
            invoice__promises=OuterRef("pk"), applied_on__gte=OuterRef("made_on"),
            applied_on__lte=OuterRef("pay_by"),
        ).order_by().values("invoice__promises").annotate(total=Sum("amount")).values("total")[:1]
    )
    on_account = (
        Payment.objects.filter(
            customer=OuterRef("customer"), status=Payment.Status.POSTED,
            received_date__gte=OuterRef("made_on"), received_date__lte=OuterRef("pay_by"),
        ).order_by().values("customer").annotate(total=Sum("amount")).values("total")[:1]
    )
    names_invoices = Exists(PromiseToPay.invoices.through.objects.filter(promisetopay_id=OuterRef("pk")))
    return names_invoices, Coalesce(Subquery(on_invoices), Value(ZERO), output_field=MONEY_FIELD), Coalesce(
        Subquery(on_account), Value(ZERO), output_field=MONEY_FIELD
    )


def promises_settle(*, invoice_ids: Iterable[int] | None = None, promise_ids: Iterable[int] | None = None,
                    on: date | None = None) -> int:
    """Settle open promises from the cash that reached their invoices (all of them; those covering
    `invoice_ids`; or `promise_ids`, those a caller found covering the invoices it moved money on,
    `work.settlement.money_moved`, which are then not looked up again).

    Kept: the promised amount was fully paid by the promised date (payments and credits applied
    from the day the promise was made up to pay_by; cash arriving later does not keep it). Once
    pay_by has passed: partially kept when some of it arrived in time, broken when none did. A
    promise whose date has not come yet stays open until it is kept. All promises are settled in
    one query plus one bulk update. Returns how many promises changed state."""
    on = on or timezone.localdate()
    promises = PromiseToPay.objects.filter(status=PromiseToPay.Status.OPEN)
    if invoice_ids is not None:
        covering = PromiseToPay.invoices.through.objects.filter(invoice_id__in=list(invoice_ids))
        if not covering.filter(promisetopay__status=PromiseToPay.Status.OPEN).exists():
            return 0  # most money reaches invoices nobody promised: skip the settling query
        promises = promises.filter(pk__in=covering.values("promisetopay_id"))
    if promise_ids is not None:
        promises = promises.filter(pk__in=sorted(promise_ids))
    names_invoices, on_invoices, on_account = _paid_towards()
    changed, progressed = [], []
    with transaction.atomic(savepoint=False):  # part of the caller's write when there is one
        rows = promises.select_for_update(of=("self",)).annotate(made_on=TruncDate("created_at")).annotate(
            names_invoices=names_invoices, on_invoices=on_invoices, on_account=on_account
        )
        for promise in rows:
            paid = promise.on_invoices if promise.names_invoices else promise.on_account
            if paid >= promise.amount:
                promise.status = PromiseToPay.Status.KEPT
            elif on > promise.pay_by:
                promise.status = PromiseToPay.Status.PARTIALLY_KEPT if paid > 0 else PromiseToPay.Status.BROKEN
            elif paid != promise.amount_paid:
                promise.amount_paid = paid
                progressed.append(promise)
                continue
            else:
                continue
            promise.amount_paid, promise.settled_on = paid, on
            changed.append(promise)
        # A statement's receipts settle a thousand promises at once: beyond a few, COPY and one
        # UPDATE … FROM on PostgreSQL instead of the ORM's CASE per row and field.
        objects_update(PromiseToPay, changed + progressed, ["status", "amount_paid", "settled_on"])
    return len(changed)
