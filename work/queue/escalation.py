"""When the queue proposes climbing the escalation matrix, and to whom.

Two rules (issue 3): the same contact was reached twice without progress (no promise, payment or
dispute since), or an invoice has been awaiting approval for more than APPROVAL_WAIT_DAYS (ask the
approver). Levels come from the `EscalationLevel` table, so the matrix stays editable.
"""

from dataclasses import dataclass
from datetime import date, datetime

from work.queue.scoring import APPROVAL_WAIT_DAYS

REACHED_WITHOUT_PROGRESS = 2


@dataclass(frozen=True)
class Level:
    pk: int
    order: int
    name: str
    contact_role: str


@dataclass(frozen=True)
class Touch:
    contact_id: int
    contact_name: str
    contact_role: str
    at: datetime


def _next_level(levels: list[Level], after_role: str) -> Level | None:
    current = next((lv for lv in levels if lv.contact_role == after_role), None)
    if current is None:
        return levels[0] if levels else None
    return next((lv for lv in levels if lv.order > current.order), None)


def escalation_proposal(
    *, on: date, levels: list[Level], reached: list[Touch], progress_at: datetime | None,
    awaiting_approval: list[tuple[str, date]], contacts: list[tuple[int, str, str]],
    escalated_at: datetime | None,
) -> dict | None:
    """The next level to escalate to, or None.

    `reached`: the account's activities where a contact was reached; `progress_at`: the latest
    promise, payment or dispute; `awaiting_approval`: (invoice id, approval requested on);
    `contacts`: (id, name, role) of the active contacts; `escalated_at`: the latest escalation."""
    levels = sorted(levels, key=lambda lv: lv.order)

    def offer(level: Level, why: str) -> dict:
        person = next(((pk, name) for pk, name, role in contacts if level.contact_role and role == level.contact_role),
                      (None, ""))
        return {"level": level.pk, "name": level.name, "contact": person[0], "contact_name": person[1], "why": why}

    since = [t for t in reached if (progress_at is None or t.at > progress_at)
             and (escalated_at is None or t.at > escalated_at)]
    by_contact: dict[int, list[Touch]] = {}
    for touch in since:
        by_contact.setdefault(touch.contact_id, []).append(touch)
    for touches in sorted(by_contact.values(), key=lambda ts: -len(ts)):
        if len(touches) >= REACHED_WITHOUT_PROGRESS:
            level = _next_level(levels, touches[0].contact_role)
            if level:
                return offer(level, f"{touches[0].contact_name} reached {len(touches)} times without progress")
    waiting = [(inv, asked) for inv, asked in awaiting_approval if (on - asked).days > APPROVAL_WAIT_DAYS]
    approver = next((lv for lv in levels if lv.contact_role == "approver"), None)
    if waiting and approver and (escalated_at is None or escalated_at.date() < min(a for _, a in waiting)):
        invoice, asked = min(waiting, key=lambda w: w[1])
        return offer(approver, f"invoice {invoice} awaiting approval for {(on - asked).days} days")
    return None
