"""How an account earns its place on the daily queue: the weights, in one place, and the rules.

Every signal adds points; the list is sorted by points, highest first. The order of the weights
follows DESIGN.md "The daily queue": a broken promise beats everything, then the age and size of
what is past due, the portfolio's biggest debtors, cadence, invoices with no plan, stale disputes
and approvals, delivery problems, and finally unapplied cash and undelivered statements.

This module only computes: it takes the facts of an account (gathered in bulk by
`work.queue.selectors.account_facts`) and returns the points, the reasons a collector
reads and the suggested next action. Amounts are in the account's currency.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core import aging

# 1. Promises to pay.
PROMISE_BROKEN = 1000  # a promise broken (or only partly kept) and not yet followed up
PROMISE_BROKEN_LOOKBACK_DAYS = 7  # a broken promise older than this is ordinary past-due work again
PROMISE_DUE_TODAY = 500
# A payment plan installment missed weighs as much as a broken promise (it is one).
PLAN_MISSED = PROMISE_BROKEN
PLAN_MISSED_LOOKBACK_DAYS = PROMISE_BROKEN_LOOKBACK_DAYS

# 2. Past-due balance, by age bucket: points per PAST_DUE_UNIT of money in the bucket, capped.
AGE_WEIGHTS = {"1–30": 1, "31–60": 2, "61–90": 3, "91+": 4}
PAST_DUE_UNIT = Decimal("1000")
PAST_DUE_CAP = 400

# 3. Among the portfolio's top past-due accounts (or account families).
TOP_N = 20
TOP_PAST_DUE = 150

# 4. Cadence: a past-due account is worked at least every CADENCE_DAYS; high balances more often.
CADENCE_DAYS = 14
HIGH_BALANCE = Decimal("25000")
CADENCE_DAYS_HIGH_BALANCE = 7
NOT_WORKED = 120

# 5. An invoice more than NO_PLAN_DAYS past due with no promise, no dispute and no follow-up date.
NO_PLAN_DAYS = 30
NO_PLAN = 200

# 6. A dispute nobody has updated for DISPUTE_STALE_DAYS; an invoice awaiting approval too long.
DISPUTE_STALE_DAYS = 10
DISPUTE_STALE = 150
APPROVAL_WAIT_DAYS = 3
AWAITING_APPROVAL = 150

# 7. Delivery problems: a bounced email address, an invoice not opened NOT_OPENED_DAYS before due.
EMAIL_BOUNCED = 120
NOT_OPENED_DAYS = 5
NOT_OPENED = 80

# 8. Unapplied cash or credits to discuss; the monthly statement not delivered.
UNAPPLIED = 80
STATEMENT_UNDELIVERED = 60

# Tasks raised by other parts of the system (QueueTask kinds) and the collector's own follow-ups.
TASK_POINTS = {
    "dunning_step": 250,
    "portal_dispute": 300,
    "portal_promise": 200,
    "portal_plan": 200,
    "portal_request": 300,
    "manual": 200,
    # bounce, not_opened and statement tasks count under signals 7 and 8.
    "bounce": EMAIL_BOUNCED,
    "not_opened": NOT_OPENED,
    "statement": STATEMENT_UNDELIVERED,
    "payment": 300,
    "autopay": 300,
    "cash": 150,
    # --- reply ---
    # A customer's email (inbox.effects): near the top, as a portal action is (CUSTOMER_ACTED).
    "customer_replied": 800,
    "says_paid": 800,
    # --- end reply ---
    # --- windows ---
    # An address on the suppression list: a reminder did not go, find another contact.
    "suppressed": EMAIL_BOUNCED,
    # --- end windows ---
    # --- dupes ---
    # A possible duplicate or discrepancy flagged on the account (work.discrepancies): check it before
    # chasing money that may not be owed.
    "discrepancy": 150,
    # --- end dupes ---
    # --- forecast ---
    # A large invoice the pay-date model predicts paid after month end (reporting.forecast_methods).
    "forecast_slip": 200,
    # --- end forecast ---
}
FOLLOW_UP_DUE = 250

# 9. The customer acted in the portal (disputed, promised, set up a plan, asked for something):
# the account is back on today's list at once, even if it was worked today, near the top.
CUSTOMER_ACTED = 800
CUSTOMER_ACTED_NEXT = "Answer what the customer did in the portal today"
CUSTOMER_ACTED_TEXT = {
    "dispute": "Customer disputed via portal",
    "promise": "Customer promised via portal",
    "plan": "Customer set up a payment plan via portal",
    "request": "Customer asked for something via portal",
    "feedback": "Customer left feedback via portal",
}

# Accounts whose open balance is below this, with nothing more than 30 days past due and no
# broken promise, are left to automated reminders and never appear on the list.
LOW_BALANCE = Decimal("500")


@dataclass
class Facts:
    """What the queue knows about one account on one day."""

    customer_id: int
    name: str
    currency: str
    collector_id: int | None
    family_id: int
    on_hold: bool = False
    follow_up_on: date | None = None
    follow_up_note: str = ""
    balance: Decimal = Decimal("0.00")
    buckets: dict = field(default_factory=lambda: {name: Decimal("0.00") for name in AGE_WEIGHTS})
    no_plan_amount: Decimal = Decimal("0.00")
    last_worked: date | None = None
    broken_promises: list = field(default_factory=list)  # [(amount, paid, pay_by)]
    promises_due_today: list = field(default_factory=list)  # [amount]
    missed_installments: list = field(default_factory=list)  # [(number, amount, paid, due_on)]
    stale_disputes: list = field(default_factory=list)  # [(root cause label, amount, days, owner label)]
    awaiting_approval: list = field(default_factory=list)  # [(invoice id, days)]
    bounced_contacts: list = field(default_factory=list)  # [name]
    not_opened: list = field(default_factory=list)  # [(invoice id, days to due)]
    tasks: list = field(default_factory=list)  # [(kind, title)]
    unapplied: Decimal = Decimal("0.00")
    primary_contact: str = ""
    escalation: dict | None = None  # the proposal from `escalation_proposal`
    in_top: bool = False

    @property
    def past_due(self) -> Decimal:
        return sum(self.buckets.values(), Decimal("0.00"))

    @property
    def over_30(self) -> Decimal:
        return self.buckets["31–60"] + self.buckets["61–90"] + self.buckets["91+"]

    def days_not_worked(self, on: date) -> int | None:
        return (on - self.last_worked).days if self.last_worked else None


@dataclass
class Scored:
    points: int
    reasons: list  # [{"signal": …, "points": …, "text": …}]
    next_action: str


def money(amount: Decimal, currency: str) -> str:
    whole = amount.quantize(Decimal("1"))
    shown = f"{whole:,}" if whole == amount else f"{amount:,.2f}"
    return f"${shown}" if currency == "USD" else f"{shown} {currency}"


def days_ago(days: int) -> str:
    return {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")


def bucket_of(days_past_due: int) -> str | None:
    """The past-due bucket's label (core.aging), None while the invoice is current."""
    name = aging.bucket_of(days_past_due)
    return None if name == "current" else aging.BUCKET_LABELS[name]


def cadence_days(facts: Facts) -> int:
    return CADENCE_DAYS_HIGH_BALANCE if facts.past_due >= HIGH_BALANCE else CADENCE_DAYS


def left_to_reminders(facts: Facts) -> bool:
    """Small balances in good standing are the dunning run's job, not a collector's."""
    return (facts.balance < LOW_BALANCE and facts.over_30 == 0 and not facts.broken_promises
            and not facts.missed_installments and not facts.tasks and not facts.stale_disputes
            and not facts.awaiting_approval)


# Longer than 60 lines on purpose: one paragraph per signal, in DESIGN.md's order, so the whole
# scoring rule reads top to bottom in one place; split up, the weights would be scattered.
def score(facts: Facts, on: date) -> Scored | None:
    """Points, readable reasons and the next action for one account; None when it stays off the list."""
    if left_to_reminders(facts):
        return None
    reasons: list[dict] = []

    def add(signal: str, points: int, text: str) -> None:
        if points > 0:
            reasons.append({"signal": signal, "points": int(points), "text": text})

    cur = facts.currency
    # 1. Promises.
    for amount, paid, pay_by in facts.broken_promises:
        kept = f" ({money(paid, cur)} paid)" if paid else ""
        add("promise_broken", PROMISE_BROKEN,
            f"promise of {money(amount, cur)} broken {days_ago((on - pay_by).days)}{kept}")
    for amount in facts.promises_due_today:
        add("promise_due", PROMISE_DUE_TODAY, f"promise of {money(amount, cur)} due today")
    for number, amount, paid, due_on in facts.missed_installments:
        kept = f" ({money(paid, cur)} paid)" if paid else ""
        add("plan_missed", PLAN_MISSED, f"payment plan installment {number} of {money(amount, cur)} "
                                        f"missed, due {days_ago((on - due_on).days)}{kept}")
    # 2. Past due by age and size. 4. Cadence is read into the same sentence.
    oldest = next((name for name in reversed(list(AGE_WEIGHTS)) if facts.buckets[name] > 0), None)
    if oldest:
        points = sum(AGE_WEIGHTS[name] * facts.buckets[name] / PAST_DUE_UNIT for name in AGE_WEIGHTS)
        text = f"{oldest} days: {money(facts.buckets[oldest], cur)}"
        if facts.past_due != facts.buckets[oldest]:
            text += f" (past due {money(facts.past_due, cur)} in all)"
        idle = facts.days_not_worked(on)
        if idle is None or idle >= cadence_days(facts):
            text += ", never worked" if idle is None else f", not worked for {idle} days"
        add("past_due", max(1, min(PAST_DUE_CAP, int(points))), text)
        reasons[-1]["bucket"] = oldest
        if idle is None or idle >= cadence_days(facts):
            every = "weekly" if cadence_days(facts) == CADENCE_DAYS_HIGH_BALANCE else "fortnightly"
            add("not_worked", NOT_WORKED, f"due its {every} touch")
    # 3. Top debtors.
    if facts.in_top:
        add("top_past_due", TOP_PAST_DUE, f"among the portfolio's top {TOP_N} past-due accounts")
    # 5. No plan.
    if facts.no_plan_amount > 0 and not (facts.follow_up_on and facts.follow_up_on > on):
        add("no_plan", NO_PLAN, f"{money(facts.no_plan_amount, cur)} over {NO_PLAN_DAYS} days past due "
                                "with no promise, dispute or follow-up")
    # 6. Stale disputes, approvals.
    for cause, amount, days, owner in facts.stale_disputes:
        add("dispute_stale", DISPUTE_STALE, f"{cause} dispute of {money(amount, cur)} with {owner}: "
                                            f"no update for {days} days")
    for invoice, days in facts.awaiting_approval:
        add("awaiting_approval", AWAITING_APPROVAL, f"invoice {invoice} awaiting approval for {days} days")
    # 7. Delivery.
    for name in facts.bounced_contacts:
        add("email_bounced", EMAIL_BOUNCED, f"email to {name} bounced")
    for invoice, days in facts.not_opened:
        due = "today" if days == 0 else f"in {days} days"
        add("not_opened", NOT_OPENED, f"invoice {invoice} not opened, due {due}")
    # 8. Unapplied cash and credits.
    if facts.unapplied > 0:
        add("unapplied", UNAPPLIED, f"{money(facts.unapplied, cur)} unapplied cash or credit to discuss")
    # Tasks and follow-ups.
    for kind, title in facts.tasks:
        add(f"task_{kind}", TASK_POINTS.get(kind, TASK_POINTS["manual"]), title[:1].lower() + title[1:])
    if facts.follow_up_on and facts.follow_up_on <= on:
        note = f": {facts.follow_up_note}" if facts.follow_up_note else ""
        add("follow_up", FOLLOW_UP_DUE, f"follow-up due {days_ago((on - facts.follow_up_on).days)}{note}")
    if facts.escalation:
        reasons.append({"signal": "escalate", "points": 0, "text": f"escalate: {facts.escalation['why']}"})
    if not any(r["points"] for r in reasons):
        return None
    reasons.sort(key=lambda r: -r["points"])
    return Scored(sum(r["points"] for r in reasons), reasons, next_action(facts, reasons[0]["signal"]))


def next_action(facts: Facts, top_signal: str) -> str:
    """What the collector should do first, from the strongest signal."""
    who = facts.primary_contact or "the AP contact"
    if top_signal == "promise_broken":
        return f"Call {who} about the broken promise and get a new date"
    if top_signal == "plan_missed":
        return f"Call {who} about the missed plan installment: get it paid or renegotiate the plan"
    if facts.escalation:
        esc = facts.escalation
        person = f" ({esc['contact_name']})" if esc.get("contact_name") else ""
        return f"Escalate to the {esc['name'].lower()}{person}"
    actions = {
        "promise_due": "Check the promised payment arrived; call if it has not",
        "dispute_stale": "Chase the dispute owner for an update",
        "awaiting_approval": "Ask the approver to approve the invoice",
        "email_bounced": f"Find a working email address for {who}",
        "not_opened": f"Call {who} to confirm the invoice was received",
        "unapplied": "Ask which invoices the unapplied cash or credit is for",
        "task_statement": "Resend the monthly statement",
        "task_portal_dispute": "Review the dispute raised in the portal",
        "task_portal_promise": "Confirm the promise made in the portal",
        "task_portal_plan": "Review the payment plan the customer set up in the portal",
        "task_portal_request": "Answer the customer's portal request",
        "follow_up": "Do the follow-up you planned",
        "customer_acted": CUSTOMER_ACTED_NEXT,
    }
    if top_signal in actions:
        return actions[top_signal]
    if facts.past_due > 0:
        return f"Call {who} for a promise to pay on the oldest invoices"
    return "Review the account"


def customer_acted_reason(kind: str, detail: str = "", said: str = "") -> dict:
    """The reason an account is back on today's list after the customer acted in the portal, or
    replied by email: then `said` (what the reply says, from inbox/classify) is the next action."""
    text = CUSTOMER_ACTED_TEXT.get(kind, "Customer acted via portal")
    reason = {"signal": "customer_acted", "kind": kind, "points": CUSTOMER_ACTED,
              "text": f"{text}: {detail}"[:300] if detail else text}
    if said:
        reason["next"] = f"Customer replied: {said}"[:200]
    return reason


def customer_acted_next(reason: dict) -> str:
    """The next action of a row topped by what the customer did: what their email says, else answer it."""
    return reason.get("next") or CUSTOMER_ACTED_NEXT


# The short label of each signal on a list row; the reason's sentence is shown when the item opens.
CHIPS = {
    "promise_broken": "Broken promise",
    "promise_due": "Promise due",
    "plan_missed": "Plan missed",
    "not_worked": "Due a touch",
    "top_past_due": "Top debtor",
    "no_plan": "No plan",
    "dispute_stale": "Stale dispute",
    "awaiting_approval": "Approval",
    "email_bounced": "Bounced",
    "not_opened": "Not opened",
    "unapplied": "Unapplied",
    "follow_up": "Follow-up",
    "escalate": "Escalate",
    "task_dunning_step": "Dunning call",
    "task_portal_dispute": "Portal dispute",
    "task_portal_promise": "Portal promise",
    "task_portal_plan": "Portal plan",
    "task_portal_request": "Portal request",
    "task_charge_approval": "Fees to approve",
    "task_credit_hold": "Credit hold",
    "task_manual": "Task",
    "task_statement": "Statement",
    "task_bounce": "Bounced",
    "task_not_opened": "Not opened",
}
CUSTOMER_ACTED_CHIPS = {"dispute": "Disputed via portal", "promise": "Promised via portal",
                        "plan": "Plan via portal", "request": "Portal request", "feedback": "Portal feedback"}


def chip_of(reason: dict) -> str:
    signal = reason["signal"]
    if signal == "past_due":
        bucket = reason.get("bucket") or reason["text"].split(" days:", 1)[0]
        return f"{bucket} days" if bucket in AGE_WEIGHTS else "Past due"
    if signal == "customer_acted":
        return CUSTOMER_ACTED_CHIPS.get(reason.get("kind", ""), "Customer acted")
    return CHIPS.get(signal, "Task" if signal.startswith("task_") else signal.replace("_", " ").capitalize())


# The reason kinds a collector filters the list by, and the signals each one covers.
REASON_KINDS = {
    "customer": ("Customer acted (portal)", ["customer_acted", "task_portal_dispute", "task_portal_promise",
                                             "task_portal_plan", "task_portal_request"]),
    "promise": ("Promises and plans", ["promise_broken", "promise_due", "plan_missed"]),
    "past_due": ("Past due", ["past_due", "top_past_due", "no_plan"]),
    "cadence": ("Due a touch or follow-up", ["not_worked", "follow_up"]),
    "dispute": ("Disputes and approvals", ["dispute_stale", "awaiting_approval"]),
    "delivery": ("Delivery problems", ["email_bounced", "not_opened", "task_statement", "task_bounce",
                                         "task_not_opened"]),
    "escalate": ("Escalation proposed", ["escalate"]),
    "tasks": ("Other tasks", ["task_dunning_step", "task_charge_approval", "task_credit_hold", "task_manual",
                              "unapplied"]),
}


# --- reply ---
# A customer's email puts the account on today's list as a portal action does (inbox.effects).
CUSTOMER_ACTED_TEXT["email"] = "Customer wrote"
CUSTOMER_ACTED_CHIPS["email"] = "Customer wrote"
CHIPS.update({"task_customer_replied": "Replied", "task_says_paid": "Says paid"})
REASON_KINDS["customer"][1].extend(["task_customer_replied", "task_says_paid"])
# --- end reply ---
