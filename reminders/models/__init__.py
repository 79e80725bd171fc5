from .charges import ChargeProposal
from .outbox import DeliveryEvent, DunningRun, InvoiceStepSent, OutboundMessage
from .policies import CustomerDunningSettings, DunningPolicy, DunningStep, MessageTemplate
from .statements import Statement, StatementRun

__all__ = [
    "ChargeProposal", "CustomerDunningSettings", "DeliveryEvent", "DunningPolicy", "DunningRun", "DunningStep",
    "InvoiceStepSent",
    "MessageTemplate", "OutboundMessage", "Statement", "StatementRun",
]
