"""A person decides each proposed fee or interest: approved, it becomes a charge on the ledger;
waived, it stays on record with who and why (the waiver report). A waiver above the asker's
approval limit waits for another manager's approval (four eyes)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.money import CENT
from ledger.models import Invoice
from ledger.services import charge_issue
from portfolios.access import can_manage
from reminders.models import ChargeProposal
from work.corrections.limits import amount_in_base, approval_required, why_approval
from work.models import Activity, QueueTask
from work.services import activity_log

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
    report. Only a proposal still to decide can be waived: an issued charge is credited instead.
    Within the asker's approval limit (per role, base currency, as for credits and write-offs) it is
    waived at once; above it the waiver is asked (status "asked", on the account's timeline) and
    waits for a manager whose limit covers it and who is not the asker (`charge_waiver_decide`)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the charge is waived.")
    source = Invoice.objects.get(pk=proposal.invoice_id)
    amount_base = amount_in_base(source, proposal.amount)
    asked = approval_required(by, amount_base)
    now = timezone.now()
    with transaction.atomic():
        if asked:
            claimed = ChargeProposal.objects.filter(pk=proposal.pk, status=ChargeProposal.Status.PROPOSED).update(
                status=ChargeProposal.Status.ASKED, waive_reason=reason[:200], waiver_asked_by=by,
                waiver_asked_at=now)
        else:
            claimed = ChargeProposal.objects.filter(pk=proposal.pk, status=ChargeProposal.Status.PROPOSED).update(
                status=ChargeProposal.Status.WAIVED, waive_reason=reason[:200], waiver_asked_by=by,
                waiver_asked_at=now, decided_by=by, decided_at=now)
        proposal = ChargeProposal.objects.select_related("invoice", "customer").get(pk=proposal.pk)
        if not claimed and proposal.status == ChargeProposal.Status.APPROVED:
            raise ValidationError(f"The charge on {proposal.invoice} is already approved; credit it instead.")
        if claimed and asked:
            why = why_approval(by, amount_base, proposal.currency)
            _note(proposal, by=by, subject=f"Waiver asked: {_what(proposal)} ({why}), waiting for a manager's "
                                           f"approval", notes=f"Reason: {proposal.waive_reason}")
        elif claimed:
            _close_task_when_decided(proposal.customer_id)
    return proposal


def _waiver_in_base(proposal: ChargeProposal) -> Decimal | None:
    """The waiver in the base currency: from the rate `charge_selectors.asked_waivers` annotates
    (no query per row on the charges page), else at the invoice's date."""
    if hasattr(proposal, "invoice_rate"):
        return None if proposal.invoice_rate is None else (proposal.amount * proposal.invoice_rate).quantize(CENT)
    return amount_in_base(proposal.invoice, proposal.amount)


def waiver_decidable(proposal: ChargeProposal, user) -> str:
    """Why `user` may not approve or reject this asked waiver, or "" when they may: a manager
    (or admin) whose own limit covers the amount, and not the person who asked (four eyes)."""
    if proposal.status != ChargeProposal.Status.ASKED:
        return f"This waiver is not waiting for approval (it is {proposal.get_status_display().lower()})."
    if user is not None and user.pk == proposal.waiver_asked_by_id:
        return "You asked for this waiver: another manager decides it."
    if user is None or not can_manage(user):
        return "Only a manager decides a waiver above the asker's limit."
    amount_base = _waiver_in_base(proposal)
    if approval_required(user, amount_base):
        why = why_approval(user, amount_base, proposal.currency)
        return (f"Waiving {proposal.amount:,.2f} {proposal.currency} is beyond your approval limit ({why}): "
                f"a manager whose limit covers it decides.")
    return ""


def charge_waiver_decide(*, proposal: ChargeProposal, approve: bool, by, note: str = "") -> ChargeProposal:
    """A manager approves an asked waiver (it is waived: the asker and the approver are both kept)
    or rejects it (it is to approve or waive again, as before it was asked). Both go on the
    account's timeline. Decided already, by someone else meanwhile: refused, nothing changes."""
    note = (note or "").strip()
    proposal = ChargeProposal.objects.select_related("invoice", "customer", "waiver_asked_by").get(pk=proposal.pk)
    refusal = waiver_decidable(proposal, by)
    if refusal:
        raise ValidationError(refusal)
    asker = proposal.waiver_asked_by
    reason = proposal.waive_reason
    with transaction.atomic():
        pending = ChargeProposal.objects.filter(pk=proposal.pk, status=ChargeProposal.Status.ASKED,
                                                waiver_asked_by=asker)
        if approve:
            claimed = pending.update(status=ChargeProposal.Status.WAIVED, decided_by=by, decided_at=timezone.now())
        else:
            claimed = pending.update(status=ChargeProposal.Status.PROPOSED, waive_reason="", waiver_asked_by=None,
                                     waiver_asked_at=None)
        if not claimed:
            raise ValidationError("This waiver was decided meanwhile; nothing changed.")
        proposal = ChargeProposal.objects.select_related("invoice", "customer").get(pk=proposal.pk)
        verdict = "approved" if approve else "rejected"
        notes = f"Reason given: {reason}" + (f"\nNote: {note}" if note else "")
        _note(proposal, by=by, subject=f"Waiver {verdict}: {_what(proposal)}, asked by {asker}", notes=notes)
        _close_task_when_decided(proposal.customer_id)
    return proposal


def _what(proposal: ChargeProposal) -> str:
    return f"{proposal.get_kind_display().lower()} {proposal.amount:,.2f} {proposal.currency} on {proposal.invoice}"


def _note(proposal: ChargeProposal, *, by, subject: str, notes: str) -> None:
    activity_log(customer=proposal.customer, kind=Activity.Kind.NOTE, by=by, subject=subject[:200], notes=notes,
                 invoices=[proposal.invoice])


def _close_task_when_decided(customer_id: int) -> None:
    """The account's "fees / interest to approve" task is done once nothing is left to decide (an
    asked waiver is still to decide)."""
    still_open = (ChargeProposal.Status.PROPOSED, ChargeProposal.Status.ASKED)
    if ChargeProposal.objects.filter(customer_id=customer_id, status__in=still_open).exists():
        return
    QueueTask.objects.filter(customer_id=customer_id, kind=QueueTask.Kind.CHARGE_APPROVAL,
                             status=QueueTask.Status.OPEN).update(status=QueueTask.Status.DONE, done_at=timezone.now())
