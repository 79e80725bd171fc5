"""A few payment plans in the demo book, agreed by the collectors 5 to 50 days before its as-of
date: some paid as agreed, some with a missed installment (their accounts top the queue).

Plans are made by `plans.services.plan_create` (which only plans from today) and then moved back
to the day they were agreed; their cash is received through `services.payment_receive`, and
`plans_settle` settles them as of the book's date, as the nightly job would have.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ledger import services
from ledger.models import Customer, Invoice
from work.models import Activity, Dispute, PromiseToPay
from work.plans.models import PaymentPlan, PlanInstallment
from work.plans.schedule import Interval, equal_schedule
from work.plans.services import plan_create, plans_settle

AGREED_DAYS_AGO = [50, 35, 20, 5]
INSTALLMENTS = [3, 4, 3, 2]
MAX_INVOICES = 3


def _candidates(as_of: date, count: int) -> list[int]:
    """Accounts in a portfolio with invoices over 30 days past due and no dispute or open promise."""
    busy = Exists(Dispute.objects.filter(invoices=OuterRef("pk"))) | Exists(
        PromiseToPay.objects.filter(invoices=OuterRef("pk"), status=PromiseToPay.Status.OPEN))
    rows = (Invoice.objects.filter(status=Invoice.Status.OPEN, due_date__lt=as_of - timedelta(days=30),
                                   customer__portfolio__isnull=False, customer__status="active")
            .exclude(busy).order_by("customer_id").values_list("customer_id", flat=True).distinct())
    return list(rows[:count])


def _pay(plan: PaymentPlan, amount: Decimal, on: date) -> None:
    """The customer pays `amount` on `on`, to the plan's invoices oldest first (one remittance per
    invoice, as the demo's ERP payments come)."""
    left = amount
    for invoice in plan.invoices.order_by("due_date", "pk"):
        part = min(left, invoice.open_amount)
        if part <= 0:
            continue
        services.payment_receive(customer=invoice.customer, external_id=f"PLAN-{invoice.external_id}-{on:%Y%m%d}",
                                 received_date=on, amount=part, currency=plan.currency,
                                 applications=[(invoice, part)], reference="Payment plan installment")
        left -= part


def seed_plans(*, as_of: date, count: int = 8) -> int:
    """Put `count` plans (fewer if the book has fewer candidates) in the book. Returns how many."""
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        for n, customer_id in enumerate(_candidates(as_of, count)):
            invoices = list(Invoice.objects.filter(customer_id=customer_id, status=Invoice.Status.OPEN,
                                                   due_date__lt=as_of).order_by("due_date")[:MAX_INVOICES])
            total = sum((i.open_amount for i in invoices), Decimal("0.00"))
            schedule = equal_schedule(total=total, count=INSTALLMENTS[n % 4], interval=Interval.FORTNIGHTLY,
                                      first_due=today + timedelta(days=7))
            collector = Customer.objects.get(pk=customer_id).portfolio.collector
            plan = plan_create(invoices=invoices, installments=[(p.due_on, p.amount) for p in schedule],
                               by=collector, note="Demo: agreed on a call about the oldest invoices.")
            agreed = as_of - timedelta(days=AGREED_DAYS_AGO[n % 4])
            shift = agreed - today
            PaymentPlan.objects.filter(pk=plan.pk).update(starts_on=agreed, created_at=plan.created_at + shift)
            Activity.objects.filter(pk=plan.activity_id).update(occurred_at=plan.created_at + shift)
            for installment in plan.installments.all():
                PlanInstallment.objects.filter(pk=installment.pk).update(due_on=installment.due_on + shift)
            # Half the plans are paid as agreed so far; the others miss an installment.
            if n % 2 == 0:
                for installment in plan.installments.filter(due_on__lte=as_of):
                    _pay(plan, installment.amount, installment.due_on - timedelta(days=1))
            made += 1
        plans_settle(on=as_of)
    return made
