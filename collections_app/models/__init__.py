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
from .work import Activity, Dispute, Escalation, EscalationLevel, PromiseToPay

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
    "Invoice",
    "Payment",
    "PromiseToPay",
    "WriteOff",
]
