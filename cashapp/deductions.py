"""Short payments: the difference a receipt left open on an invoice, and what becomes of it.

A receipt short of the invoices it pays by no more than the tolerance
(`settings.CASH_SHORT_PAY_TOLERANCE`) still pays them; the difference stays open on the last
invoice as a deduction. Up to `settings.CASH_DEDUCTION_WRITE_OFF_MAX` (base currency) it is
proposed as a small-balance write-off, which a manager asks for through `work.corrections` (done
within their limit, else waiting for a second manager's approval); above it a dispute is opened
for the collector, so the remainder is not dunned while it is worked out.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from banking.models import BankLine
from cashapp.matching.facts import Deduction
from cashapp.models import CashMatch
from ledger.models import Customer, Invoice
from portfolios.access import customer_rows, has_role
from portfolios.models import Role
from work.corrections.models import LedgerCorrection
from work.corrections.services import correction_request
from work.models import Dispute
from work.services import DisputeOpening, disputes_open

WRITE_OFF, DISPUTE = "write_off", "dispute"


def _opening(invoice: Invoice, amount: Decimal, line: BankLine) -> DisputeOpening:
    return DisputeOpening(
        customer=invoice.customer, invoices=[invoice], amount=amount, root_cause=Dispute.RootCause.OTHER,
        description=f"Short payment: the bank receipt of {line.value_date:%Y-%m-%d} ({line.entry_reference}) "
                    f"paid {amount:,.2f} {invoice.currency} less than invoice {invoice} asked.",
    )


def _dispute(invoice: Invoice, amount: Decimal, line: BankLine, by: User | None) -> Dispute:
    [dispute] = disputes_open([_opening(invoice, amount, line)], by=by, source="cash")
    return dispute


def deductions_record(deductions: Sequence[tuple[Deduction, BankLine]]) -> list[dict]:
    """What each match keeps of its short payment: a write-off proposed, or the dispute opened (the
    disputes of a statement's batch opened together, `work.services.disputes_open`)."""
    records = [{"invoice": d.invoice_id, "invoice_number": d.invoice_number, "amount": str(d.amount),
                "currency": d.currency, "proposal": d.proposal, "status": "proposed"} for d, _ in deductions]
    disputed = [(record, d, line) for record, (d, line) in zip(records, deductions, strict=True)
                if d.proposal == DISPUTE]
    if disputed:
        invoices = Invoice.objects.select_related("customer").in_bulk([d.invoice_id for _, d, _ in disputed])
        disputes = disputes_open([_opening(invoices[d.invoice_id], d.amount, line) for _, d, line in disputed],
                                 source="cash")
        for (record, _, _), dispute in zip(disputed, disputes, strict=True):
            record.update(status="disputed", dispute=dispute.pk)
    return records


def _proposed(match: CashMatch) -> tuple[CashMatch, dict, Invoice]:
    match = CashMatch.objects.select_for_update(of=("self",)).select_related("line").get(pk=match.pk)
    deduction = match.deduction or {}
    if deduction.get("status") != "proposed":
        raise ValidationError("This receipt has no deduction waiting for a decision.")
    invoice = Invoice.objects.select_related("customer").get(pk=deduction["invoice"])
    return match, deduction, invoice


def deduction_write_off(*, match: CashMatch, by: User) -> CashMatch:
    """A manager writes off the short-paid remainder (a correction: within their limit at once,
    above it waiting for approval)."""
    with transaction.atomic():
        match, deduction, invoice = _proposed(match)
        amount = min(Decimal(deduction["amount"]), invoice.open_amount)
        if amount <= 0:
            raise ValidationError(f"Invoice {invoice} has nothing open any more.")
        try:
            correction = correction_request(
                customer=invoice.customer, kind=LedgerCorrection.Kind.WRITE_OFF, invoice=invoice, amount=amount,
                reason=f"Short payment on the bank receipt of {match.line.value_date:%Y-%m-%d}", by=by,
            )
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        status = "written_off" if correction.status == LedgerCorrection.Status.EXECUTED else "requested"
        match.deduction = {**deduction, "status": status, "correction": correction.pk}
        match.save(update_fields=["deduction", "updated_at"])
    return match


def deduction_dispute(*, match: CashMatch, by: User) -> CashMatch:
    """The collector disputes the short-paid remainder instead of writing it off (the customer
    says why they paid less): it is no longer dunned while the dispute is open."""
    if not has_role(by, Role.COLLECTOR, Role.MANAGER, Role.ADMIN):
        raise PermissionDenied("Only collectors and managers open disputes.")
    with transaction.atomic():
        match, deduction, invoice = _proposed(match)
        if not Customer.objects.filter(customer_rows(by), pk=invoice.customer_id).exists():
            raise PermissionDenied(f"{invoice.customer.name} is not one of your accounts.")
        dispute = _dispute(invoice, Decimal(deduction["amount"]), match.line, by)
        match.deduction = {**deduction, "status": "disputed", "dispute": dispute.pk}
        match.save(update_fields=["deduction", "updated_at"])
    return match
