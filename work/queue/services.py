"""Writing the daily queue: today's list is stored, so the nightly build and the collector's
"refresh" give the same rows, and what was done or snoozed today stays done — unless the customer
acts afterwards: anything a customer does in the portal puts the account back on today's list.

Writers of a collector's day take that collector's portfolio rows `select_for_update` first, so two
refreshes, or the nightly build and a refresh, run one after the other instead of both inserting
the same account (`one_queue_entry_per_account_day`). The rows are written as an upsert on that
constraint too, so a row that appears between the read and the write (SQLite ignores row locks; it
serialises writers with BEGIN IMMEDIATE) is refreshed instead of failing the build."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.money import ZERO
from ledger.models import Customer
from portfolios.models import Portfolio
from work.models import QueueTask
from work.queue import scoring
from work.queue.models import QueueEntry
from work.queue.selectors import account_facts

BATCH = 500
# What a build refreshes on a row that already exists; its status (done, snoozed) is not touched.
REFRESHED = ["collector", "score", "balance", "past_due", "reasons", "signals", "next_action", "escalation"]
PORTAL_TASKS = [QueueTask.Kind.PORTAL_DISPUTE, QueueTask.Kind.PORTAL_PROMISE, QueueTask.Kind.PORTAL_PLAN,
                QueueTask.Kind.PORTAL_REQUEST]


def _lock_collectors(collector_ids: list[int] | None) -> None:
    """Hold the collectors' portfolio rows (all collectors' when None) until the transaction ends,
    always in the same order, so writers of the same collector's day wait for each other."""
    portfolios = Portfolio.objects.filter(collector__isnull=False)
    if collector_ids is not None:
        portfolios = portfolios.filter(collector_id__in=collector_ids)
    list(portfolios.select_for_update().order_by("pk").values_list("pk", flat=True))


def _acted(reasons: list[dict]) -> list[dict]:
    return [r for r in reasons if r.get("signal") == "customer_acted"]


def _entry(*, on: date, customer_id: int, account: scoring.Facts | None, acted: list[dict],
           was: dict[str, Any] | None = None) -> QueueEntry | None:
    """The row of one account: its scored reasons, plus what the customer did today (which keeps
    it on the list even when the scoring alone would leave it off, or it is snoozed)."""
    scored = scoring.score(account, on) if account is not None else None
    if scored is None and not acted:
        return None
    reasons = sorted(acted + (scored.reasons if scored else []), key=lambda r: -r["points"])
    if account is not None:
        fields = {"collector_id": account.collector_id, "balance": account.balance, "past_due": account.past_due,
                  "escalation": account.escalation}
        action = scoring.next_action(account, reasons[0]["signal"])
    else:
        assert was is not None, "an account the scoring does not see keeps the figures of its row"
        fields = {k: was[k] for k in ("collector_id", "balance", "past_due", "escalation")}
        action = scoring.CUSTOMER_ACTED_NEXT
    if reasons[0].get("signal") == "customer_acted":
        action = scoring.customer_acted_next(reasons[0])
    return QueueEntry(day=on, customer_id=customer_id, score=sum(r["points"] for r in reasons), reasons=reasons,
                      signals=QueueEntry.signals_of(reasons), next_action=action[:200], **fields)


def _reopened_by_customer(rows: list[dict[str, Any]], on: date) -> set[int]:
    """Accounts done or snoozed today that the customer acted on afterwards (a portal task raised
    after the item was done): they go back on the list."""
    closed = {r["customer_id"]: r["done_at"] for r in rows if r["status"] != QueueEntry.Status.OPEN and r["done_at"]}
    if not closed:
        return set()
    reopened = set()
    for customer_id, created_at in QueueTask.objects.filter(
        customer_id__in=list(closed), kind__in=PORTAL_TASKS, status=QueueTask.Status.OPEN, due_on__lte=on,
    ).values_list("customer_id", "created_at"):
        if created_at > closed[customer_id]:
            reopened.add(customer_id)
    return reopened


def queue_build(*, on: date | None = None, collector_ids: Iterable[int] | None = None) -> int:
    """Score every account of the collectors' portfolios (all portfolios when `collector_ids` is
    None) and store the day's list. Items already done or snoozed today stay as they are, unless
    the customer acted since; the rest is replaced by the new scores, keeping what the customer did
    today. Safe to run twice, and at the same time. Returns how many items were written."""
    on = on or timezone.localdate()
    ids = None if collector_ids is None else list(collector_ids)
    customers = Customer.objects.filter(portfolio__collector__isnull=False)
    if ids is not None:
        customers = customers.filter(portfolio__collector_id__in=ids)
    facts = account_facts(customers, on)
    with transaction.atomic():
        _lock_collectors(ids)
        today = QueueEntry.objects.filter(day=on, customer__in=customers.values("pk"))
        rows: list[dict[str, Any]] = [dict(row) for row in today.values(
            "customer_id", "status", "done_at", "reasons", "collector_id", "balance", "past_due", "escalation")]
        reopened = _reopened_by_customer(rows, on) & facts.keys()  # a snoozed account has no facts: kept
        kept = {r["customer_id"] for r in rows if r["status"] != QueueEntry.Status.OPEN} - reopened
        was = {r["customer_id"]: r for r in rows if r["customer_id"] not in kept}
        today.filter(Q(status=QueueEntry.Status.OPEN) | Q(customer_id__in=reopened)).delete()
        acted = {pk: _acted(row["reasons"]) for pk, row in was.items()}
        entries = []
        for pk in (facts.keys() | {pk for pk, reasons in acted.items() if reasons}) - kept:
            entry = _entry(on=on, customer_id=pk, account=facts.get(pk), acted=acted.get(pk, []), was=was.get(pk))
            if entry is not None:
                entries.append(entry)
        QueueEntry.objects.bulk_create(entries, batch_size=BATCH, update_conflicts=True,
                                       unique_fields=["day", "customer"], update_fields=REFRESHED)
    return len(entries)


def queue_customer_acted(
    *, customer: Customer, kind: str, on: date | None = None, detail: str = "", said: str = "",
) -> QueueEntry | None:
    """Anything a customer does (a portal dispute, promise, plan or request) puts the account back
    on its collector's list for today at once, near the top, even if it was worked or snoozed
    today: "Customer disputed via portal". None when the account has no collector."""
    on = on or timezone.localdate()
    collector_id = Portfolio.objects.filter(customers=customer).values_list("collector_id", flat=True).first()
    if collector_id is None:
        return None
    reason = scoring.customer_acted_reason(kind, detail, said)
    with transaction.atomic():
        _lock_collectors([collector_id])
        entry = QueueEntry.objects.select_for_update().filter(day=on, customer=customer).first()
        if entry is None:
            account = account_facts(Customer.objects.filter(pk=customer.pk), on).get(customer.pk)
            # A snoozed or closed account has no facts: its row shows the customer's reason alone.
            fresh = _entry(on=on, customer_id=customer.pk, account=account, acted=[reason], was={
                "collector_id": collector_id, "balance": ZERO, "past_due": ZERO, "escalation": None})
            assert fresh is not None  # it has the customer's reason
            fresh.collector_id = collector_id
            try:
                with transaction.atomic():
                    fresh.save()
                return fresh
            except IntegrityError:  # written by someone not holding the lock (SQLite ignores it)
                entry = QueueEntry.objects.select_for_update().get(day=on, customer=customer)
        reasons = sorted([reason] + [r for r in entry.reasons if r != reason], key=lambda r: -r["points"])
        entry.reasons, entry.signals = reasons, QueueEntry.signals_of(reasons)
        entry.score = sum(r["points"] for r in reasons)
        if reasons[0] is reason:
            entry.next_action = scoring.customer_acted_next(reason)
        entry.collector_id, entry.status, entry.done_at, entry.done_by, entry.activity = (
            collector_id, QueueEntry.Status.OPEN, None, None, None)
        entry.save(update_fields=["reasons", "signals", "score", "next_action", "collector", "status", "done_at",
                                  "done_by", "activity"])
    return entry
