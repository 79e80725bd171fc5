"""Disputes once opened: updates and resolution (opening one is part of logging an outcome,
`work.services.dispute_open`).

A credit that resolves a dispute is at most the disputed amount. Within the asker's approval limit
(`work.corrections.limits`, per role) it is issued at once; above it, it is a `LedgerCorrection`
waiting for a manager who is not the asker, and the dispute stays open until the credit is approved
(`work.corrections.services.correction_approve` then calls `dispute_credit_issue`) or rejected.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.money import CENT, Amount
from ledger import services as ledger
from ledger.models import Invoice
from work.corrections.limits import amount_in_base, approval_required, why_approval
from work.corrections.models import LedgerCorrection
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


def _credit_amount(dispute: Dispute, credit_amount: Amount | None) -> Decimal:
    """The credit asked for: the disputed amount unless told otherwise, never more than it."""
    try:
        amount = Decimal(credit_amount if credit_amount is not None else dispute.amount)
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationError(f"{credit_amount!r} is not an amount.") from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError("A credit must be positive.")
    if amount > dispute.amount:
        raise ValidationError(f"A credit resolving this dispute is at most the disputed {dispute.amount:,.2f}; "
                              f"{amount:,.2f} is more.")
    if amount != amount.quantize(CENT):
        raise ValidationError(f"{amount} has more than two decimals.")
    return amount


def _waiting_credit(dispute: Dispute) -> LedgerCorrection | None:
    return LedgerCorrection.objects.filter(dispute=dispute, kind=LedgerCorrection.Kind.DISPUTE_CREDIT,
                                           status=LedgerCorrection.Status.REQUESTED).first()


def _close(dispute: Dispute, *, resolution: str, by: User | None, note: str, on: date) -> Dispute:
    dispute.status, dispute.resolution, dispute.resolved_on = Dispute.Status.RESOLVED, resolution, on
    dispute.last_update_at = timezone.now()
    dispute.save(update_fields=["status", "resolution", "resolved_on", "last_update_at"])
    activity_log(customer=dispute.customer, kind=Activity.Kind.NOTE, by=by,
                 subject=f"Dispute resolved: {dispute.get_resolution_display()}", notes=note,
                 invoices=list(dispute.invoices.all()))
    return dispute


def dispute_credit_issue(
    *, dispute: Dispute, amount: Decimal, by: User | None, note: str = "", on: date | None = None,
) -> Dispute:
    """Raise the credit notes of a dispute resolved with a credit, against the disputed invoices,
    oldest first; whatever they no longer owe stays on the account as a usable credit. Then the
    dispute is resolved and the promises and plans on the invoices settle. Called once the credit
    is within the asker's limit or approved; the amount is checked again against the dispute."""
    on = on or timezone.localdate()
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().select_related("customer").get(pk=dispute.pk)
        if dispute.status == Dispute.Status.RESOLVED:
            raise ValidationError("This dispute is already resolved.")
        remaining = _credit_amount(dispute, amount)
        invoices = list(dispute.invoices.filter(status=Invoice.Status.OPEN).order_by("due_date", "pk"))
        currency = invoices[0].currency if invoices else dispute.customer.currency
        for n, invoice in enumerate(invoices + [None], start=1):
            part = remaining if invoice is None else min(remaining, invoice.open_amount)
            if part <= 0:
                continue
            ledger.credit_note_issue(
                customer=dispute.customer, external_id=f"CN-DSP{dispute.pk}-{n}", issue_date=on, amount=part,
                currency=currency, invoice=invoice, reason=f"Dispute {dispute.pk}: "
                f"{dispute.get_root_cause_display()}", by=by,
            )
            remaining -= part
        money_moved(invoice_ids=[i.pk for i in invoices], on=on)
        return _close(dispute, resolution=Dispute.Resolution.CREDIT_ISSUED, by=by, note=note, on=on)


def _credit_request(dispute: Dispute, *, amount: Decimal, amount_base: Decimal | None, by: User | None,
                    note: str) -> Dispute:
    """Above the asker's limit: a request a second manager approves; the dispute stays open."""
    reason = (note or "").strip()
    if by is None:
        raise ValidationError("A credit above the approval limit is asked for by a person, who says why.")
    if not reason:
        raise ValidationError(f"A credit of {amount:,.2f} waits for a manager's approval: say why it is due "
                              f"(the note).")
    if len(reason) > 200:
        raise ValidationError("Keep the reason for the credit to 200 characters.")
    oldest = dispute.invoices.filter(status=Invoice.Status.OPEN).order_by("due_date", "pk").first()
    currency = oldest.currency if oldest else dispute.customer.currency
    correction = LedgerCorrection.objects.create(
        customer=dispute.customer, kind=LedgerCorrection.Kind.DISPUTE_CREDIT, dispute=dispute, invoice=oldest,
        amount=amount, currency=currency, amount_base=amount_base, approval_required=True, reason=reason,
        status=LedgerCorrection.Status.REQUESTED, requested_by=by, requested_at=timezone.now(),
    )
    Dispute.objects.filter(pk=dispute.pk).update(last_update_at=timezone.now())
    activity_log(customer=dispute.customer, kind=Activity.Kind.NOTE, by=by,
                 subject=(f"Credit requested: {correction.what} — waits for a second manager "
                          f"({why_approval(by, amount_base, currency)})")[:200],
                 notes=reason, invoices=list(dispute.invoices.all()))
    dispute.refresh_from_db()
    return dispute


def dispute_resolve(
    *, dispute: Dispute, resolution: str, by: User | None, note: str = "", credit_amount: Amount | None = None,
    on: date | None = None,
) -> Dispute:
    """Close a dispute with its resolution. "Credit issued" raises the credit note (the dispute's
    amount unless told otherwise, never more) against the disputed invoices, oldest first; above
    the asker's approval limit the credit first waits for a second manager, with the note as its
    reason, and the dispute stays open until then. "Customer pays" and "rejected" put the invoices
    back into dunning. A dispute whose credit waits for approval is not resolved otherwise meanwhile."""
    if resolution not in Dispute.Resolution.values or not resolution:
        raise ValidationError("Choose how the dispute was resolved.")
    on = on or timezone.localdate()
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().select_related("customer").get(pk=dispute.pk)
        if dispute.status == Dispute.Status.RESOLVED:
            raise ValidationError("This dispute is already resolved.")
        waiting = _waiting_credit(dispute)
        if waiting is not None:
            raise ValidationError(f"A credit of {waiting.amount:,.2f} {waiting.currency} for this dispute waits for "
                                  f"a manager's approval; it is approved or rejected first.")
        if resolution != Dispute.Resolution.CREDIT_ISSUED:
            return _close(dispute, resolution=resolution, by=by, note=note, on=on)
        amount = _credit_amount(dispute, credit_amount)
        document = dispute.invoices.order_by("due_date", "pk").first()
        amount_base = amount_in_base(document, amount) if document is not None else None
        if approval_required(by, amount_base):
            return _credit_request(dispute, amount=amount, amount_base=amount_base, by=by, note=note)
        return dispute_credit_issue(dispute=dispute, amount=amount, by=by, note=note, on=on)
