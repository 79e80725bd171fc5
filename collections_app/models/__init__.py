from .holds import CreditHoldEvent, CreditHoldRule
from .imports import ImportJob
from .ledger import (
    Application,
    Contact,
    CreditNote,
    Customer,
    FxRate,
    Invoice,
    Payment,
    WriteOff,
)
from .plans import PaymentPlan, PlanInstallment
from .queue import QueueEntry, Snooze
from .work import Activity, Dispute, Escalation, EscalationLevel, PromiseToPay, QueueTask

__all__ = [
    "Activity",
    "Application",
    "Contact",
    "CreditHoldEvent",
    "CreditHoldRule",
    "CreditNote",
    "Customer",
    "Dispute",
    "Escalation",
    "EscalationLevel",
    "FxRate",
    "ImportJob",
    "Invoice",
    "Payment",
    "PaymentPlan",
    "PlanInstallment",
    "PromiseToPay",
    "QueueEntry",
    "QueueTask",
    "Snooze",
    "WriteOff",
]
