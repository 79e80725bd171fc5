"""A person decides each proposed fee or interest: approved, it becomes a charge on the ledger;
waived, it stays on record with who and why (the waiver report)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ledger.models import Invoice
from ledger.services import charge_issue
from reminders.models import ChargeProposal
from work.models import QueueTask

DOCUMENT_TYPE = {ChargeProposal.Kind.FEE: Invoice.DocumentType.LATE_FEE,
                 ChargeProposal.Kind.INTEREST: Invoice.DocumentType.INTEREST}


def charge_approve(*, proposal: ChargeProposal, by, on: date | None = None) -> ChargeProposal:
    """Approving a proposal issues the charge on the ledger, in the same transaction. A proposal
    already decided (approved twice, or waived meanwhile) is left as it is: nothing is charged twice."""
    on = on or timezone.localdate()
    with transaction.atomic():
        claimed = ChargeProposal.objects.filter(pk=proposal.pk, status=ChargeProposal.Status.PROPOSED).update(
            status=ChargeProposal.Status.APPROVED, decided_by=by, decided_at=timezone.now())
        proposal = ChargeProposal.objects.select_related("invoice").get(pk=proposal.pk)
        if not claimed:
            return proposal
        proposal.charge = charge_issue(source=proposal.invoice, kind=DOCUMENT_TYPE[proposal.kind],
                                       amount=proposal.amount, on=on, period_end=proposal.period_end, by=by)
        proposal.save(update_fields=["charge"])
        _close_task_when_decided(proposal.customer_id)
    return proposal


def charges_approve(*, proposals, by, on: date | None = None) -> list[ChargeProposal]:
    """Approve several proposals at once: all of them or, if one cannot be charged, none."""
    with transaction.atomic():
        return [charge_approve(proposal=p, by=by, on=on) for p in proposals]


def charge_waive(*, proposal: ChargeProposal, reason: str, by) -> ChargeProposal:
    """Waiving a fee or interest needs a reason; it is kept, with who waived it, for the waiver
    report. Only a proposal still to decide can be waived: an issued charge is credited instead."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the charge is waived.")
    with transaction.atomic():
        claimed = ChargeProposal.objects.filter(pk=proposal.pk, status=ChargeProposal.Status.PROPOSED).update(
            status=ChargeProposal.Status.WAIVED, waive_reason=reason[:200], decided_by=by, decided_at=timezone.now())
        proposal = ChargeProposal.objects.select_related("invoice").get(pk=proposal.pk)
        if not claimed and proposal.status == ChargeProposal.Status.APPROVED:
            raise ValidationError(f"The charge on {proposal.invoice} is already approved; credit it instead.")
        if claimed:
            _close_task_when_decided(proposal.customer_id)
    return proposal


def _close_task_when_decided(customer_id: int) -> None:
    """The account's "fees / interest to approve" task is done once nothing is left to decide."""
    if ChargeProposal.objects.filter(customer_id=customer_id, status=ChargeProposal.Status.PROPOSED).exists():
        return
    QueueTask.objects.filter(customer_id=customer_id, kind=QueueTask.Kind.CHARGE_APPROVAL,
                             status=QueueTask.Status.OPEN).update(status=QueueTask.Status.DONE, done_at=timezone.now())
