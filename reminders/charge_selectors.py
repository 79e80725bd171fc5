"""Reads for the charges pages: proposals to decide, an account's charges, the waiver report."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from ledger.fx import rate_expression
from ledger.models import Customer, Invoice
from ledger.selectors import visible_customers
from reminders.models import ChargeProposal

ACCOUNT_ROWS = 10
# asked_by: who asked for the waiver; waived_by: who waived it (the approver, when it was above the
# asker's limit; the same person otherwise).
WAIVER_COLUMNS = ["decided_at", "collector", "customer", "invoice", "kind", "amount", "currency", "asked_by",
                  "waived_by", "reason"]


def visible_proposals(user) -> QuerySet:
    """Every proposal, whatever its status, on the accounts the user may see."""
    return ChargeProposal.objects.filter(customer__in=visible_customers(user).values("pk"))


def proposals_for(user, *, status: str = ChargeProposal.Status.PROPOSED, collector: int | None = None,
                  kind: str = "", customer: int | None = None) -> QuerySet:
    """Proposals on the accounts the user may see (a collector: their portfolios), oldest first."""
    rows = visible_proposals(user).filter(status=status)
    if collector:
        rows = rows.filter(customer__portfolio__collector_id=collector)
    if kind:
        rows = rows.filter(kind=kind)
    if customer:
        rows = rows.filter(customer_id=customer)
    return rows.select_related("customer__portfolio__collector", "invoice", "step", "charge").order_by(
        "customer__name", "invoice__due_date", "pk")


def asked_waivers(user, *, collector: int | None = None, kind: str = "", customer: int | None = None) -> QuerySet:
    """Waivers asked above the asker's limit, waiting for a manager, on the accounts the user may see."""
    return proposals_for(user, status=ChargeProposal.Status.ASKED, collector=collector, kind=kind,
                         customer=customer).select_related("waiver_asked_by").annotate(
        invoice_rate=rate_expression(currency="invoice__currency", on="invoice__issue_date"),
    ).order_by("waiver_asked_at", "pk")


def account_charges(customer: Customer) -> dict:
    """The workspace panel: proposals still to decide and the charges issued on the account. Two
    queries whatever the account's history."""
    pending = list(ChargeProposal.objects.filter(customer=customer, status=ChargeProposal.Status.PROPOSED)
                   .select_related("invoice").order_by("invoice__due_date", "pk"))
    issued = list(Invoice.objects.filter(customer=customer).exclude(document_type=Invoice.DocumentType.INVOICE)
                  .select_related("charge_for").order_by("-issue_date", "-pk")[:ACCOUNT_ROWS])
    return {"pending": pending, "issued": issued,
            "pending_total": _totals((p.currency, p.amount) for p in pending)}


def _totals(pairs) -> list[tuple[str, Decimal]]:
    out: dict[str, Decimal] = {}
    for currency, amount in pairs:
        out[currency] = out.get(currency, Decimal("0.00")) + amount
    return sorted(out.items())


@dataclass
class WaiverReport:
    start: date
    end: date
    rows: pd.DataFrame  # one row per waiver
    summary: pd.DataFrame  # month × collector × currency: count and amount


def waiver_report(user, *, start: date, end: date, collector: int | None = None) -> WaiverReport:
    """Who waived what, why and how much, decided between start and end (inclusive), per collector
    (of the account) and per month. One query; the grouping is done in pandas."""
    rows = proposals_for(user, status=ChargeProposal.Status.WAIVED, collector=collector).filter(
        decided_at__date__range=(start, end)).annotate(
        asker=Coalesce("waiver_asked_by__username", "decided_by__username")).order_by("decided_at", "pk").values_list(
        "decided_at", "customer__portfolio__collector__username", "customer__name", "invoice__external_id", "kind",
        "amount", "currency", "asker", "decided_by__username", "waive_reason")
    frame = pd.DataFrame(list(rows), columns=WAIVER_COLUMNS)
    frame["collector"] = frame["collector"].fillna("(unassigned)")
    if frame.empty:
        summary = pd.DataFrame(columns=["month", "collector", "currency", "waivers", "amount"])
    else:
        local = [timezone.localtime(d) for d in frame["decided_at"]]
        frame["month"] = [d.strftime("%Y-%m") for d in local]
        frame["decided_at"] = [d.strftime("%Y-%m-%d %H:%M") for d in local]
        summary = (frame.groupby(["month", "collector", "currency"])
                   .agg(waivers=("amount", "size"), amount=("amount", lambda a: sum(a, Decimal("0.00"))))
                   .reset_index())
        frame = frame.drop(columns=["month"])
    return WaiverReport(start=start, end=end, rows=frame, summary=summary)
