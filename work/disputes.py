"""Disputes once opened: updates and resolution (opening one is part of logging an outcome,
`work.services.dispute_open`)."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.money import Amount
from ledger import services as ledger
from ledger.models import Invoice
from work.models import Activity, Dispute
from work.services import activity_log
from work.settlement import money_moved


def dispute_update(
    *, dispute: Dispute, by: User, note: str = "", status: str | None = None, owner: str | None = None,
) -> Dispute:
    """Every update (a note, a new owner, moving it into review) restarts the dispute's "no update
    for N days" clock and shows on the account's timeline."""
    if dispute.status == Dispute.Status.RESOLVED:
        raise ValidationError("This dispute is resolved.")
    if status == Dispute.Status.RESOLVED:
        raise ValidationError("Resolve a dispute with its resolution.")
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        changes = []
        if status and status != dispute.status:
            changes.append(f"status {dispute.get_status_display()} → {Dispute.Status(status).label}")
            dispute.status = status
        if owner and owner != dispute.owner:
            changes.append(f"owner {dispute.get_owner_display()} → {Dispute.Owner(owner).label}")
            dispute.owner = owner
        dispute.last_update_at = timezone.now()
        dispute.save(update_fields=["status", "owner", "last_update_at"])
        activity_log(customer=dispute.customer, kind=Activity.Kind.NOTE, by=by,
                     subject=f"Dispute update ({dispute.get_root_cause_display()})"
                             + (f": {', '.join(changes)}" if changes else ""),
                     notes=note, invoices=list(dispute.invoices.all()))
    return dispute


def dispute_resolve(
    *, dispute: Dispute, resolution: str, by: User, note: str = "", credit_amount: Amount | None = None,
    on: date | None = None,
) -> Dispute:
    """Close a dispute with its resolution. "Credit issued" raises the credit note (the dispute's
    amount unless told otherwise) against the disputed invoices, oldest first; whatever they no
    longer owe stays on the account as a usable credit. "Customer pays" and "rejected" put the
    invoices back into dunning."""
    if resolution not in Dispute.Resolution.values or not resolution:
        raise ValidationError("Choose how the dispute was resolved.")
    on = on or timezone.localdate()
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.status == Dispute.Status.RESOLVED:
            raise ValidationError("This dispute is already resolved.")
        if resolution == Dispute.Resolution.CREDIT_ISSUED:
            remaining = Decimal(credit_amount if credit_amount is not None else dispute.amount)
            if remaining <= 0:
                raise ValidationError("A credit must be positive.")
            invoices = list(dispute.invoices.filter(status=Invoice.Status.OPEN).order_by("due_date", "pk"))
            currency = invoices[0].currency if invoices else dispute.customer.currency
            for n, invoice in enumerate(invoices + [None], start=1):
                amount = remaining if invoice is None else min(remaining, invoice.open_amount)
                if amount <= 0:
                    continue
                ledger.credit_note_issue(
                    customer=dispute.customer, external_id=f"CN-DSP{dispute.pk}-{n}", issue_date=on, amount=amount,
                    currency=currency, invoice=invoice, reason=f"Dispute {dispute.pk}: "
                    f"{dispute.get_root_cause_display()}", by=by,
                )
                remaining -= amount
            money_moved(invoice_ids=[i.pk for i in invoices], on=on)
        dispute.status, dispute.resolution, dispute.resolved_on = Dispute.Status.RESOLVED, resolution, on
        dispute.last_update_at = timezone.now()
        dispute.save(update_fields=["status", "resolution", "resolved_on", "last_update_at"])
        activity_log(customer=dispute.customer, kind=Activity.Kind.NOTE, by=by,
                     subject=f"Dispute resolved: {dispute.get_resolution_display()}", notes=note,
                     invoices=list(dispute.invoices.all()))
    return dispute
