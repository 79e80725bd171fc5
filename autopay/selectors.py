"""Reads of autopay that the portal, the workspace, reminders and the daily passes share."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from autopay.models import AutopayCharge, Mandate
from ledger.models import Customer, Invoice


def autopay_covered(invoice_ref: str = "pk") -> Exists:
    """EXISTS a charge to come on the invoice `invoice_ref` names: planned or announced under
    active autopay, or already with the provider. A paused or cancelled mandate covers nothing."""
    return Exists(AutopayCharge.objects.filter(invoice=OuterRef(invoice_ref)).filter(
        Q(status=AutopayCharge.Status.CHARGING)
        | Q(status__in=AutopayCharge.WAITING, mandate__status=Mandate.Status.ACTIVE)))


def invoices_autopay_covered() -> QuerySet[Invoice]:
    """Open invoices autopay will collect: dunning leaves them alone until the charge is made. A
    failed or skipped charge covers nothing, so its invoice is reminded again. One query, no
    DISTINCT (an EXISTS subquery)."""
    return Invoice.objects.filter(autopay_covered(), status=Invoice.Status.OPEN)


def live_mandate(customer: Customer) -> Mandate | None:
    """The customer's active or paused autopay, with its method."""
    return (Mandate.objects.filter(customer=customer, status__in=Mandate.LIVE).select_related("method", "paused_by")
            .first())


@dataclass
class AutopayState:
    """What the portal and the workspace show of one account's autopay."""

    customer: Customer
    mandate: Mandate | None
    upcoming: list[AutopayCharge] = field(default_factory=list)  # the next UPCOMING_SHOWN
    upcoming_count: int = 0
    last_failure: AutopayCharge | None = None

    @property
    def next_charge(self) -> AutopayCharge | None:
        return self.upcoming[0] if self.upcoming else None

    @property
    def upcoming_more(self) -> int:
        """Planned charges beyond those listed."""
        return self.upcoming_count - len(self.upcoming)


UPCOMING_SHOWN = 10


def autopay_states(customers: list[Customer]) -> list[AutopayState]:
    """Each account's live mandate, its next charges and its last failure: one query when none of
    the accounts has autopay (the common case on the workspace), two otherwise."""
    ids = [c.pk for c in customers]
    mandates = {m.customer_id: m for m in Mandate.objects.filter(customer_id__in=ids, status__in=Mandate.LIVE)
                .select_related("method", "paused_by")}
    upcoming: dict[int, list[AutopayCharge]] = {}
    failures: dict[int, AutopayCharge] = {}
    if mandates:
        # A failed charge's invoice is never planned again on its mandate, so failures stay few.
        for charge in (AutopayCharge.objects.filter(mandate__in=list(mandates.values()))
                       .filter(Q(status__in=AutopayCharge.LIVE) | Q(status=AutopayCharge.Status.FAILED))
                       .select_related("invoice").order_by("charge_date", "invoice__due_date", "pk")):
            if charge.status == AutopayCharge.Status.FAILED:
                failures[charge.mandate_id] = charge  # the latest day wins
            else:
                upcoming.setdefault(charge.mandate_id, []).append(charge)
    states = []
    for customer in customers:
        mandate = mandates.get(customer.pk)
        rows = upcoming.get(mandate.pk, []) if mandate else []
        states.append(AutopayState(customer=customer, mandate=mandate, upcoming=rows[:UPCOMING_SHOWN],
                                   upcoming_count=len(rows),
                                   last_failure=failures.get(mandate.pk) if mandate else None))
    return states


def autopay_state(customer: Customer) -> AutopayState:
    return autopay_states([customer])[0]


def mandate_of(customer_ids: Iterable[int], mandate_id: int) -> Mandate | None:
    """A mandate of one of these accounts (a portal link's), or None: another customer's id is not found."""
    return Mandate.objects.filter(customer_id__in=list(customer_ids), pk=mandate_id).select_related(
        "method", "customer").first()


@dataclass(frozen=True)
class Announcement:
    """The charges of one mandate on one day: one email says them all."""

    mandate: Mandate
    charge_date: date
    charges: list[AutopayCharge]


def announcements_due(*, on: date, notice_days: int) -> list[Announcement]:
    """Charges of active autopay planned within the notice period and not yet announced, by
    mandate and day. A charge whose day has passed unannounced is not announced after the fact."""
    rows = (AutopayCharge.objects.filter(status=AutopayCharge.Status.SCHEDULED, mandate__status=Mandate.Status.ACTIVE,
                                         charge_date__gte=on, charge_date__lte=on + timedelta(days=notice_days))
            .select_related("invoice", "mandate__customer", "mandate__method").order_by("mandate_id", "charge_date",
                                                                                       "invoice__due_date", "pk"))
    groups: dict[tuple[int, date], list[AutopayCharge]] = {}
    for charge in rows:
        groups.setdefault((charge.mandate_id, charge.charge_date), []).append(charge)
    return [Announcement(mandate=charges[0].mandate, charge_date=day, charges=charges)
            for (_, day), charges in groups.items()]


def failures_untold() -> QuerySet[AutopayCharge]:
    """Failed charges whose customer was not emailed yet."""
    return (AutopayCharge.objects.filter(status=AutopayCharge.Status.FAILED, failure_told_at__isnull=True)
            .select_related("invoice", "mandate__customer", "mandate__method").order_by("pk"))
