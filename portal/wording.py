"""What the customer reads for our internal choices (a dispute's root cause, a promise's status, a
payment method…), in the page's language.

The models' own labels stay the collectors' English words (reports, exports and the admin use
them); the portal, its PDFs and the customer's emails name each value through `named` instead, so
a French customer reads « Erreur de prix » where a collector reads "Pricing". A value with no entry
here (one added later) is shown with the model's label rather than an empty cell; a test checks
that every value of these choices has an entry.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ledger.models import Invoice
from payments.models import MethodKind, PaymentRequest
from portal.models import PortalRequest
from work.models import Dispute, PromiseToPay
from work.plans.models import PaymentPlan, PlanInstallment
from work.plans.schedule import Interval

ROOT_CAUSES: dict[str, Promise] = {
    Dispute.RootCause.PRICING: _("Wrong price"),
    Dispute.RootCause.QUANTITY: _("Wrong quantity or short shipment"),
    Dispute.RootCause.DAMAGED: _("Damaged goods"),
    Dispute.RootCause.PO: _("Missing or wrong purchase order number"),
    Dispute.RootCause.DUPLICATE: _("Billed twice"),
    Dispute.RootCause.SERVICE: _("Problem with the service"),
    Dispute.RootCause.NOT_RECEIVED: _("Invoice not received"),
    Dispute.RootCause.TAX: _("Tax error"),
    Dispute.RootCause.OTHER: _("Something else"),
}
DISPUTE_STATUSES: dict[str, Promise] = {
    Dispute.Status.OPEN: pgettext_lazy("dispute", "Received"),
    Dispute.Status.IN_REVIEW: pgettext_lazy("dispute", "Being looked into"),
    Dispute.Status.RESOLVED: pgettext_lazy("dispute", "Resolved"),
}
DISPUTE_RESOLUTIONS: dict[str, Promise] = {
    Dispute.Resolution.CREDIT_ISSUED: _("credit note issued"),
    Dispute.Resolution.CUSTOMER_PAYS: _("invoice confirmed as due"),
    Dispute.Resolution.REJECTED: _("dispute not accepted"),
}
PROMISE_STATUSES: dict[str, Promise] = {
    PromiseToPay.Status.OPEN: pgettext_lazy("promise", "Recorded"),
    PromiseToPay.Status.KEPT: pgettext_lazy("promise", "Kept"),
    PromiseToPay.Status.PARTIALLY_KEPT: pgettext_lazy("promise", "Partly kept"),
    PromiseToPay.Status.BROKEN: pgettext_lazy("promise", "Not kept"),
    PromiseToPay.Status.CANCELLED: pgettext_lazy("promise", "Cancelled"),
}
REQUEST_KINDS: dict[str, Promise] = {
    PortalRequest.Kind.APPLY_CREDIT: _("Apply a credit to invoices"),
    PortalRequest.Kind.AUTOPAY: _("Set up automatic payment"),
    PortalRequest.Kind.AP_CONTACT: _("Update the accounts-payable contact"),
}
REQUEST_STATUSES: dict[str, Promise] = {
    PortalRequest.Status.RECEIVED: pgettext_lazy("request", "Received"),
    PortalRequest.Status.IN_PROGRESS: pgettext_lazy("request", "In progress"),
    PortalRequest.Status.DONE: pgettext_lazy("request", "Done"),
    PortalRequest.Status.DECLINED: pgettext_lazy("request", "Declined"),
}
PLAN_STATUSES: dict[str, Promise] = {
    PaymentPlan.Status.ACTIVE: _("On track"),
    PaymentPlan.Status.BROKEN: _("Installment overdue"),
    PaymentPlan.Status.COMPLETED: pgettext_lazy("plan", "Completed"),
    PaymentPlan.Status.RENEGOTIATED: pgettext_lazy("plan", "Replaced by a new plan"),
    PaymentPlan.Status.CANCELLED: pgettext_lazy("plan", "Cancelled"),
}
INSTALLMENT_STATUSES: dict[str, Promise] = {
    PlanInstallment.Status.OPEN: _("Due"),
    PlanInstallment.Status.KEPT: _("Paid"),
    PlanInstallment.Status.LATE: _("Paid late"),
    PlanInstallment.Status.MISSED: _("Overdue"),
    PlanInstallment.Status.CANCELLED: _("Cancelled"),
}
INVOICE_STATUSES: dict[str, Promise] = {
    Invoice.Status.OPEN: pgettext_lazy("invoice", "Open"),
    Invoice.Status.PAID: pgettext_lazy("invoice", "Paid"),
    Invoice.Status.VOID: pgettext_lazy("invoice", "Cancelled"),
}
DOCUMENT_TYPES: dict[str, Promise] = {
    Invoice.DocumentType.INVOICE: _("Invoice"),
    Invoice.DocumentType.LATE_FEE: _("Late-payment fee"),
    Invoice.DocumentType.INTEREST: _("Late-payment interest"),
}
PAYMENT_STATUSES: dict[str, Promise] = {
    PaymentRequest.Status.OPEN: pgettext_lazy("payment", "Waiting for confirmation"),
    PaymentRequest.Status.PENDING: pgettext_lazy("payment", "On its way"),
    PaymentRequest.Status.SUCCEEDED: pgettext_lazy("payment", "Paid"),
    PaymentRequest.Status.FAILED: pgettext_lazy("payment", "Failed"),
    PaymentRequest.Status.EXPIRED: pgettext_lazy("payment", "Expired"),
    PaymentRequest.Status.CANCELLED: pgettext_lazy("payment", "Cancelled"),
    PaymentRequest.Status.REFUNDED: pgettext_lazy("payment", "Refunded"),
    PaymentRequest.Status.PARTIALLY_REFUNDED: pgettext_lazy("payment", "Partly refunded"),
    PaymentRequest.Status.DISPUTED: pgettext_lazy("payment", "Disputed with your bank"),
}
METHOD_KINDS: dict[str, Promise] = {
    MethodKind.CARD: _("Card"),
    MethodKind.SEPA_DEBIT: _("SEPA Direct Debit"),
    MethodKind.US_BANK_ACCOUNT: _("US bank account (ACH)"),
    "bank_transfer": _("Bank transfer"),
}
INTERVALS: dict[str, Promise] = {
    Interval.MONTHLY: _("Monthly"),
    Interval.FORTNIGHTLY: _("Every two weeks"),
    Interval.WEEKLY: _("Weekly"),
}

NAMES: dict[str, tuple[dict[str, Promise], dict[str, str]]] = {
    "root_cause": (ROOT_CAUSES, dict(Dispute.RootCause.choices)),
    "dispute_status": (DISPUTE_STATUSES, dict(Dispute.Status.choices)),
    "dispute_resolution": (DISPUTE_RESOLUTIONS, dict(Dispute.Resolution.choices)),
    "promise_status": (PROMISE_STATUSES, dict(PromiseToPay.Status.choices)),
    "request_kind": (REQUEST_KINDS, dict(PortalRequest.Kind.choices)),
    "request_status": (REQUEST_STATUSES, dict(PortalRequest.Status.choices)),
    "plan_status": (PLAN_STATUSES, dict(PaymentPlan.Status.choices)),
    "installment_status": (INSTALLMENT_STATUSES, dict(PlanInstallment.Status.choices)),
    "invoice_status": (INVOICE_STATUSES, dict(Invoice.Status.choices)),
    "document_type": (DOCUMENT_TYPES, dict(Invoice.DocumentType.choices)),
    "payment_status": (PAYMENT_STATUSES, dict(PaymentRequest.Status.choices)),
    "method_kind": (METHOD_KINDS, dict(MethodKind.choices)),
    "interval": (INTERVALS, dict(Interval.CHOICES)),
}


def named(what: str, value: str) -> str:
    """The customer's word for `value` of the choice `what` ("root_cause", "promise_status", …)."""
    ours, labels = NAMES[what]
    if value in ours:
        return str(ours[value])
    return str(labels.get(value, value))


def choices(what: str) -> list[tuple[str, str]]:
    """A choice list in the customer's words, in the model's order (lazy: read when rendered)."""
    ours, labels = NAMES[what]
    return [(value, ours.get(value, label)) for value, label in labels.items()]  # type: ignore[misc]
