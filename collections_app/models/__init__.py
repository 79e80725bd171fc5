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
from .queue import QueueEntry, Snooze
from .work import Activity, Dispute, Escalation, EscalationLevel, PromiseToPay, QueueTask

__all__ = [
    "Activity",
    "Application",
    "Contact",
    "CreditNote",
    "Customer",
    "Dispute",
    "Escalation",
    "EscalationLevel",
    "FxRate",
    "ImportJob",
    "Invoice",
    "Payment",
    "PromiseToPay",
    "QueueEntry",
    "QueueTask",
    "Snooze",
    "WriteOff",
]
