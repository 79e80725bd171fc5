"""Writes of the discrepancies: flagging what the rules find, and a collector's decision on a flag.

A flag is a warning, never a refusal: the import that wrote the documents has committed, the money
is on the ledger as the ERP sent it. While a flag is open the account carries a queue task (the
queue's reason to look at it); a collector then confirms it, and a confirmed duplicate invoice gets
no more reminders (`reminders.eligibility`) while a task asks for the ERP to cancel it, or dismisses
it with a reason, and it stays dismissed however often the same documents are scanned again.
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ledger.models import CreditNote, Invoice, Payment
from work.discrepancies import detect
from work.discrepancies.models import Discrepancy
from work.models import QueueTask

Kind = Discrepancy.Kind
BATCH = 500

# The task a confirmed flag leaves: what the collector asks the ERP to do.
FOLLOW_UP = {
    Kind.DUPLICATE_INVOICE: "Duplicate: ask the ERP to cancel {invoice}",
    Kind.DUPLICATE_PAYMENT: "Payment recorded twice: ask the ERP to reverse {payment}",
    Kind.CREDIT_EXCEEDS_INVOICE: "Credit note {credit_note} is larger than {invoice}: ask the ERP to correct it",
    Kind.TERMS_MISMATCH: "Due date of {invoice} does not follow the terms: ask the ERP to correct it",
}


PLURALS = {
    Kind.DUPLICATE_INVOICE: "possible duplicate invoices",
    Kind.DUPLICATE_PAYMENT: "payments recorded twice",
    Kind.CREDIT_EXCEEDS_INVOICE: "credit notes larger than their invoice",
    Kind.TERMS_MISMATCH: "due dates that do not follow the terms",
}


class DiscrepancyError(ValidationError):
    """The decision asked for cannot be taken (already decided, no reason given)."""


def discrepancies_scan(
    *, invoice_ids: Iterable[int] = (), payment_ids: Iterable[int] = (), credit_note_ids: Iterable[int] = (),
) -> list[Discrepancy]:
    """Run every rule over these documents (against the whole book) and flag what is new; returns the
    new flags. A flag found again (open, confirmed or dismissed) is left as it is. Each new flag puts
    a task on its account's queue until someone decides it."""
    invoice_ids, payment_ids, credit_note_ids = set(invoice_ids), set(payment_ids), set(credit_note_ids)
    findings = (detect.duplicate_invoices(invoice_ids) + detect.terms_mismatches(invoice_ids)
                + detect.duplicate_payments(payment_ids) + detect.credits_exceeding_invoices(credit_note_ids))
    keys = [finding.key for finding in findings]
    known: set[str] = set()
    for chunk in _chunks(keys):
        known.update(Discrepancy.objects.filter(key__in=chunk).values_list("key", flat=True))
    fresh = [finding for finding in findings if finding.key not in known]
    created: list[Discrepancy] = []
    with transaction.atomic():
        Discrepancy.objects.bulk_create([_flag(finding) for finding in fresh], batch_size=BATCH, ignore_conflicts=True)
        for chunk in _chunks([finding.key for finding in fresh]):
            created += Discrepancy.objects.filter(key__in=chunk, status=Discrepancy.Status.OPEN)
        QueueTask.objects.bulk_create([
            QueueTask(customer_id=flag.customer_id, kind=QueueTask.Kind.DISCREPANCY, key=flag.task_key,
                      title=f"{flag.get_kind_display()}: {flag.detail}"[:200], detail=flag.detail)
            for flag in created
        ], batch_size=BATCH, ignore_conflicts=True)
    return sorted(created, key=lambda flag: flag.pk)


def discrepancies_scan_written(*, since: datetime) -> list[Discrepancy]:
    """Scan the documents written (created or changed) since `since`: what an import just wrote, when
    its door knows when it started but not which ids it wrote. Documents another writer touched
    meanwhile are scanned too, which only costs time: a scan flags nothing twice."""
    return discrepancies_scan(
        invoice_ids=Invoice.objects.filter(Q(created_at__gte=since) | Q(updated_at__gte=since))
        .values_list("pk", flat=True),
        payment_ids=Payment.objects.filter(created_at__gte=since).values_list("pk", flat=True),
        credit_note_ids=CreditNote.objects.filter(created_at__gte=since).values_list("pk", flat=True),
    )


def discrepancy_confirm(*, discrepancy: Discrepancy, by: User, note: str = "") -> Discrepancy:
    """The collector agrees: it is a duplicate (or a wrong credit, a wrong due date). The queue task
    that raised it is done; a new one asks for the ERP to cancel or correct the document. A confirmed
    duplicate invoice gets no more reminders (reminders.eligibility: "flagged as a duplicate")."""
    with transaction.atomic():
        flag = _locked_open(discrepancy)
        _decide(flag, Discrepancy.Status.CONFIRMED, by, note)
        QueueTask.objects.get_or_create(key=f"{flag.task_key}:follow-up", defaults={
            "customer_id": flag.customer_id, "kind": QueueTask.Kind.DISCREPANCY,
            "title": follow_up_title(flag)[:200], "detail": flag.detail, "by": by,
        })
    return flag


def discrepancy_dismiss(*, discrepancy: Discrepancy, by: User, note: str) -> Discrepancy:
    """Not a duplicate after all (two deliveries the same week, a credit agreed above the invoice…):
    the collector says why, the task closes and the flag stays dismissed. A confirmed flag can be
    dismissed too, which lets its invoice be reminded again and closes the follow-up task."""
    note = (note or "").strip()
    if not note:
        raise DiscrepancyError("Say why this is not a problem, so that nobody checks it again.")
    with transaction.atomic():
        flag = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk)
        if flag.status == Discrepancy.Status.DISMISSED:
            raise DiscrepancyError(_already(flag))
        _decide(flag, Discrepancy.Status.DISMISSED, by, note)
        QueueTask.objects.filter(key=f"{flag.task_key}:follow-up", status=QueueTask.Status.OPEN).update(
            status=QueueTask.Status.CANCELLED, done_at=timezone.now())
    return flag


def flags_summary(flags: list[Discrepancy]) -> str:
    """One line for an import's result: "3 possible duplicates or discrepancies flagged (warnings): 2
    possible duplicate invoices, 1 payment recorded twice"."""
    counts: dict[str, int] = {}
    for flag in flags:
        counts[flag.kind] = counts.get(flag.kind, 0) + 1
    parts = [f"{n} {PLURALS[Kind(kind)] if n != 1 else Kind(kind).label.lower()}" for kind, n in counts.items()]
    total = len(flags)
    return (f"{total} possible duplicate{'s' if total != 1 else ''} or discrepanc{'ies' if total != 1 else 'y'} "
            f"flagged (warnings; the import stands): {', '.join(parts)}. Check them under Duplicates and "
            f"discrepancies.")


def follow_up_title(flag: Discrepancy) -> str:
    return FOLLOW_UP[Kind(flag.kind)].format(invoice=flag.invoice or "", payment=flag.payment or "",
                                             credit_note=flag.credit_note or "")


def _locked_open(discrepancy: Discrepancy) -> Discrepancy:
    flag = Discrepancy.objects.select_for_update(of=("self",)).select_related("invoice", "payment", "credit_note").get(
        pk=discrepancy.pk)
    if not flag.is_open:
        raise DiscrepancyError(_already(flag))
    return flag


def _already(flag: Discrepancy) -> str:
    who = f" by {flag.decided_by.get_full_name() or flag.decided_by.username}" if flag.decided_by else ""
    when = f" on {timezone.localtime(flag.decided_at):%Y-%m-%d}" if flag.decided_at else ""
    return f"Already {flag.get_status_display().lower()}{who}{when}."


def _decide(flag: Discrepancy, status: str, by: User, note: str) -> None:
    now = timezone.now()
    flag.status, flag.decided_by, flag.decided_at, flag.note = status, by, now, (note or "").strip()[:300]
    flag.save(update_fields=["status", "decided_by", "decided_at", "note"])
    QueueTask.objects.filter(key=flag.task_key, status=QueueTask.Status.OPEN).update(
        status=QueueTask.Status.DONE, done_at=now, by=by)


def _flag(finding: detect.Finding) -> Discrepancy:
    return Discrepancy(kind=finding.kind, key=finding.key, customer_id=finding.customer_id, detail=finding.detail,
                       confidence=finding.confidence, invoice_id=finding.invoice_id,
                       other_invoice_id=finding.other_invoice_id, payment_id=finding.payment_id,
                       other_payment_id=finding.other_payment_id, credit_note_id=finding.credit_note_id)


def _chunks(keys: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(keys), detect.CHUNK):
        yield keys[start:start + detect.CHUNK]
