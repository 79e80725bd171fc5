"""Late-payment charges in the demo book: fees and interest on the late steps of two policies, and
a handful of proposals from this morning's pass, one approved and one waived by the manager.

The demo book has no dunning history, so the few invoices picked here are recorded as having been
handed to their collector at the charging step today (InvoiceStepSent, outcome "task": no email);
the proposals themselves come from `reminders.charges.charges_propose`, as in production.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef

from ledger.models import Customer, Invoice
from reminders.charge_decisions import charge_approve, charge_waive
from reminders.charges import charges_propose
from reminders.models import ChargeProposal, DunningPolicy, DunningStep, InvoiceStepSent
from work.models import Dispute, PromiseToPay

# (policy, step offset): fee, annual interest %, minimum open amount, interest grace days
TERMS = {
    ("Mid-market", 20): (Decimal("25.00"), Decimal("0"), Decimal("250.00"), 0),
    ("Mid-market", 35): (Decimal("0.00"), Decimal("8"), Decimal("500.00"), 5),
    ("Small business", 20): (Decimal("15.00"), Decimal("6"), Decimal("100.00"), 0),
}
ACCOUNTS = 8


def _candidates(as_of: date, policy: DunningPolicy, offset: int) -> list[tuple[int, int]]:
    """Open invoices of active accounts of the policy's segment, at least `offset` days past due,
    with no dispute or open promise: (invoice id, days past due), one per account."""
    busy = Exists(Dispute.objects.filter(invoices=OuterRef("pk"))) | Exists(
        PromiseToPay.objects.filter(invoices=OuterRef("pk"), status=PromiseToPay.Status.OPEN))
    rows = (Invoice.objects.filter(status=Invoice.Status.OPEN, document_type=Invoice.DocumentType.INVOICE,
                                   customer__segment=policy.segment, customer__status=Customer.Status.ACTIVE,
                                   due_date__lte=as_of - timedelta(days=offset),
                                   due_date__gt=as_of - timedelta(days=90))
            .exclude(busy).order_by("customer_id", "due_date", "external_id")
            .values_list("pk", "customer_id", "due_date"))
    chosen, seen = [], set()
    for pk, customer_id, due_date in rows.iterator():
        if customer_id not in seen:
            seen.add(customer_id)
            chosen.append((pk, (as_of - due_date).days))
        if len(chosen) == ACCOUNTS // 2:
            break
    return chosen


def seed_charges(*, as_of: date) -> str:
    with transaction.atomic():
        steps = {}
        for (policy_name, offset), (fee, rate, minimum, grace) in TERMS.items():
            step = DunningStep.objects.filter(policy__name=policy_name, offset_days=offset).select_related(
                "policy").first()
            if step is None:  # a book whose policies were edited: nothing to charge on
                continue
            DunningStep.objects.filter(pk=step.pk).update(fee_amount=fee, interest_annual_rate=rate,
                                                          charge_min_balance=minimum, charge_grace_days=grace)
            steps[(policy_name, offset)] = step
        records = []
        for (policy_name, offset), step in steps.items():
            if policy_name == "Mid-market" and offset == 20:
                continue  # the mid-market invoices below reach +35 and are recorded at both steps
            for invoice_id, _late in _candidates(as_of, step.policy, offset):
                records.append(InvoiceStepSent(invoice_id=invoice_id, step=step, offset_days=offset, outcome="task",
                                               on=as_of))
                if policy_name == "Mid-market" and ("Mid-market", 20) in steps:
                    records.append(InvoiceStepSent(invoice_id=invoice_id, step=steps[("Mid-market", 20)],
                                                   offset_days=20, outcome="task", on=as_of))
        InvoiceStepSent.objects.bulk_create(records, ignore_conflicts=True)
        result = charges_propose(as_of=as_of)
        manager = User.objects.filter(username="manager").first()
        decided = ""
        if manager:
            pending = list(ChargeProposal.objects.filter(status=ChargeProposal.Status.PROPOSED)
                           .order_by("invoice__external_id", "kind")[:2])
            if pending:
                charge_approve(proposal=pending[0], by=manager, on=as_of)
                decided = "; 1 approved"
            if len(pending) > 1:
                charge_waive(proposal=pending[1], reason="Goodwill: first late payment in two years", by=manager)
                decided += ", 1 waived"
    return f"Late-payment charges: {result.fees} fee(s) and {result.interest} interest proposed{decided}."
