"""One timeline per account: activities (including every message the system sent, logged as
activities by the reminders app), promises, disputes, escalations and payments, newest first."""

from dataclasses import dataclass, replace
from datetime import datetime, time
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format

from ledger.models import Customer, Payment
from work.holds.models import CreditHoldEvent
from work.models import Activity, Dispute, Escalation, PromiseToPay
from work.plans.models import PaymentPlan, PlanInstallment

KINDS = {
    "activity": "Activities",
    "promise": "Promises",
    "dispute": "Disputes",
    "escalation": "Escalations",
    "payment": "Payments",
    "hold": "Credit holds",
    "plan": "Payment plans",
}


@dataclass(frozen=True)
class Entry:
    kind: str
    at: datetime
    title: str
    detail: str = ""
    amount: Decimal | None = None
    by: str = ""
    status: str = ""
    # Emails: the Message-ID, the one answered, and (on the first message of a conversation) the
    # answers to it and to them, oldest first.
    message_id: str = ""
    in_reply_to: str = ""
    replies: tuple["Entry", ...] = ()

    @property
    def latest(self) -> datetime:
        return self.replies[-1].at if self.replies else self.at


class Timeline(list):
    """The entries, newest first, plus what the filter chips need: every kind, the one chosen."""

    def __init__(self, entries, *, customer_id: int, kind: str = ""):
        super().__init__(entries)
        self.customer_id = customer_id
        self.kind = kind
        self.kinds = list(KINDS.items())


def _at(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _who(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "System"


def timeline_for(customer: Customer, *, kinds=None, limit: int = 100) -> Timeline:
    """A bounded number of queries (one per kind), whatever the account's history. `kinds` narrows
    it to some of KINDS (unknown kinds are ignored; none left means all)."""
    kinds = set(kinds or ()) & set(KINDS) or set(KINDS)
    entries: list[Entry] = []
    if "activity" in kinds:
        for a in Activity.objects.filter(customer=customer).select_related("by", "contact")[:limit]:
            outcome = f" — {a.get_outcome_display()}" if a.outcome else ""
            contact = f" with {a.contact.name}" if a.contact else ""
            entries.append(Entry("activity", a.occurred_at, f"{a.get_kind_display()}{contact}{outcome}",
                                 a.subject or a.notes, by=_who(a.by), message_id=a.message_id,
                                 in_reply_to=a.in_reply_to))
    if "promise" in kinds:
        for p in PromiseToPay.objects.filter(customer=customer).select_related("by")[:limit]:
            entries.append(Entry("promise", p.created_at, f"Promise to pay by {date_format(p.pay_by)}", p.note,
                                 amount=p.amount, by=_who(p.by), status=p.get_status_display()))
    if "dispute" in kinds:
        for d in Dispute.objects.filter(customer=customer).select_related("by")[:limit]:
            entries.append(Entry("dispute", _at(d.opened_on), f"Dispute: {d.get_root_cause_display()}",
                                 d.description, amount=d.amount, by=_who(d.by), status=d.get_status_display()))
    if "escalation" in kinds:
        for e in Escalation.objects.filter(customer=customer).select_related("by", "level", "to_contact")[:limit]:
            to = f" ({e.to_contact.name})" if e.to_contact else ""
            entries.append(Entry("escalation", e.created_at, f"Escalated to {e.level.name}{to}", e.reason,
                                 by=_who(e.by)))
    if "payment" in kinds:
        for p in Payment.objects.filter(customer=customer)[:limit]:
            how = {Payment.Source.ONLINE: " online", Payment.Source.BANK: " by bank transfer"}.get(p.source, "")
            entries.append(Entry("payment", _at(p.received_date), f"Payment {p.external_id} received{how}",
                                 p.reference, amount=p.amount, status=p.get_status_display()))
    if "hold" in kinds:
        for h in CreditHoldEvent.objects.filter(customer=customer).select_related("by", "rule").order_by("-pk")[:limit]:
            source = f" by rule {h.rule.name}" if h.rule else f" ({h.get_source_display().lower()})"
            title = "Put on credit hold" if h.action == CreditHoldEvent.Action.HOLD else "Credit hold released"
            entries.append(Entry("hold", h.created_at, f"{title}{source}", h.reason, amount=h.balance, by=_who(h.by)))
    if "plan" in kinds:
        entries += _plan_entries(customer, limit)
    entries = threaded(entries)
    return Timeline(entries[:limit], customer_id=customer.pk, kind=next(iter(kinds)) if len(kinds) == 1 else "")


def _mid(value: str) -> str:
    return value.strip().strip("<>").strip()


def threaded(entries: list[Entry]) -> list[Entry]:
    """Newest first, with each email that answers another one on the timeline placed under the first
    message of its conversation (oldest first); a conversation stands where its latest message does.
    An answer to a message not on the timeline stands on its own."""
    by_id = {_mid(e.message_id): e for e in entries if e.message_id}

    def root(entry: Entry) -> Entry:
        top, seen = entry, {id(entry)}
        while (parent := by_id.get(_mid(top.in_reply_to))) is not None:
            if id(parent) in seen:  # a loop of answers (broken headers): leave it unthreaded
                return entry
            seen.add(id(parent))
            top = parent
        return top

    heads: list[Entry] = []
    replies: dict[int, list[Entry]] = {}
    for entry in entries:
        top = root(entry) if entry.in_reply_to else entry
        if top is entry:
            heads.append(entry)
        else:
            replies.setdefault(id(top), []).append(entry)
    heads = [replace(h, replies=tuple(sorted(replies[id(h)], key=lambda e: e.at))) if id(h) in replies else h
             for h in heads]
    return sorted(heads, key=lambda e: e.latest, reverse=True)


def _plan_entries(customer: Customer, limit: int) -> list[Entry]:
    """Plans agreed, renegotiated and cancelled, and installments kept, paid late or missed (two
    queries)."""
    entries = []
    for p in PaymentPlan.objects.filter(customer=customer).select_related("by").annotate(
            count=Count("installments")).order_by("-created_at")[:limit]:
        made = "renegotiated" if p.replaces_id else ("set up in the portal" if p.source == "portal" else "agreed")
        entries.append(Entry("plan", p.created_at, f"Payment plan {made}: {p.count} installment(s)", p.note,
                             amount=p.total_amount, by=_who(p.by), status=p.get_status_display()))
        if p.ended_on and p.status in (PaymentPlan.Status.CANCELLED, PaymentPlan.Status.RENEGOTIATED):
            entries.append(Entry("plan", _at(p.ended_on), f"Payment plan {p.get_status_display().lower()}",
                                 p.end_reason, amount=p.total_amount))
    settled = PlanInstallment.objects.filter(plan__customer=customer, status__in=[
        PlanInstallment.Status.KEPT, PlanInstallment.Status.LATE, PlanInstallment.Status.MISSED,
    ]).order_by("-due_on")[:limit]
    for i in settled:
        if i.missed_on:
            entries.append(Entry("plan", _at(i.missed_on), f"Plan installment {i.number} missed (due "
                                 f"{date_format(i.due_on)})", amount=i.amount, status="Missed"))
        if i.settled_on:
            entries.append(Entry("plan", _at(i.settled_on), f"Plan installment {i.number} paid (due "
                                 f"{date_format(i.due_on)})", amount=i.amount, status=i.get_status_display()))
    return entries
