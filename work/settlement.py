"""Money moved: what the collection work does once cash, credit or a write-off reached an invoice.

The ledger's services move money and know nothing above them. Every door that moves money (the
account workspace, a resolved dispute's credit, the ERP import and API, a payment provider, a bank
statement) calls `money_moved` afterwards, in the same transaction, with the invoices it touched:
a promise on them may now be kept, a plan installment paid, or, after a reversal, unpaid again.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Value

from work.models import PromiseToPay
from work.plans.models import PaymentPlan
from work.plans.services import LIVE, plans_settle
from work.promises import promises_settle


@dataclass(frozen=True)
class Settled:
    promises: int  # promises that changed state
    plans: int  # installments or plans that changed


def money_moved(*, invoice_ids: Iterable[int], on: date | None = None) -> Settled:
    """Settle the promises and payment plans that cover these invoices from the ledger as it now
    stands. Safe to call twice: settlement reads the ledger, it does not count calls."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return Settled(promises=0, plans=0)
    promised, planned = _covered(ids)
    with transaction.atomic(savepoint=False):  # part of the caller's write: no savepoint of its own
        promises = promises_settle(promise_ids=promised, on=on) if promised else 0
        plans = plans_settle(invoice_ids=ids, on=on) if planned else 0
    return Settled(promises=promises, plans=plans)


def _covered(ids: list[int]) -> tuple[set[int], bool]:
    """The open promises that cover any of these invoices, and whether a plan that settlement may
    change (live, or completed and possibly reopened) does, in one query: most money reaches
    invoices nobody promised or planned, and then nothing more is read; the promises found are
    settled without being looked up again."""
    promised = PromiseToPay.invoices.through.objects.filter(
        invoice_id__in=ids, promisetopay__status=PromiseToPay.Status.OPEN).values_list(
        Value("promise"), "promisetopay_id")
    planned = PaymentPlan.invoices.through.objects.filter(
        invoice_id__in=ids, paymentplan__status__in=[*LIVE, PaymentPlan.Status.COMPLETED]).values_list(
        Value("plan"), "paymentplan_id")
    found = set(promised.order_by().union(planned.order_by()))
    return {pk for kind, pk in found if kind == "promise"}, any(kind == "plan" for kind, _ in found)
