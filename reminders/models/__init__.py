# --- html ---
from reminders.models.branding import Branding, MessageTemplateTranslation

# --- end html ---
from reminders.models.charges import ChargeProposal

# --- windows ---
from reminders.models.deliverability import Suppression

# --- end windows ---
from reminders.models.outbox import DeliveryEvent, DunningRun, InvoiceStepSent, OutboundMessage
from reminders.models.policies import CustomerDunningSettings, DunningPolicy, DunningStep, MessageTemplate
from reminders.models.statements import Statement, StatementFailure, StatementRun
from reminders.models.tracking import TrackedLink

__all__ = [
    "ChargeProposal", "CustomerDunningSettings", "DeliveryEvent", "DunningPolicy", "DunningRun", "DunningStep",
    "InvoiceStepSent",
    "MessageTemplate", "OutboundMessage", "Statement", "StatementFailure", "StatementRun", "TrackedLink",
    # --- html ---
    "Branding", "MessageTemplateTranslation",
    # --- end html ---
    # --- windows ---
    "Suppression",
    # --- end windows ---
]
