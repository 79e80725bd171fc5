"""Fill a message template for a real account: contact, invoice table, totals, portal link and the
collector's name and signature. Templates use Django's template syntax, e.g. {{ contact_name }}."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.template import Context, Template
from django.urls import reverse

from portal.links import portal_url_for

PLACEHOLDERS = {
    "contact_name": "The recipient's name",
    "customer_name": "The account's name",
    "invoice_table": "A table of the invoices in the message (number, due date, days late, open amount)",
    "total_due": "The total of those invoices, per currency",
    "invoice_numbers": "The invoice numbers, comma separated",
    "portal_link": "A signed link to the customer portal",
    "collector_name": "The account's collector",
    "collector_title": "The collector's title",
    "collector_signature": "The collector's signature (their profile)",
    "month": "The statement month (statements only)",
}
TRACKING_SALT = "reminders.tracking"


@dataclass(frozen=True)
class Line:
    """One invoice as a message lists it."""

    number: str
    due_date: date
    open_amount: Decimal
    currency: str
    days_past_due: int
    step_name: str = ""


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def totals(lines) -> str:
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_currency[line.currency] += line.open_amount
    return " + ".join(money(amount, currency) for currency, amount in sorted(by_currency.items())) or "0.00"


def invoice_table(lines) -> str:
    rows = [f"{'Invoice':<16}{'Due date':<12}{'Days late':>10}{'Open amount':>20}"]
    for line in lines:
        late = str(line.days_past_due) if line.days_past_due > 0 else "not due"
        rows.append(f"{line.number:<16}{line.due_date.isoformat():<12}{late:>10}"
                    f"{money(line.open_amount, line.currency):>20}")
    return "\n".join(rows)


def portal_url(customer) -> str:
    """The customer's signed portal address (the family's, for the head of an account family)."""
    url = portal_url_for(customer, family=customer.parent_id is None)
    return url if url.startswith("http") else f"{settings.SITE_URL}{url}"


def tracking_token(key: str) -> str:
    return signing.dumps(key, salt=TRACKING_SALT, compress=True)


def key_from_token(token: str) -> str | None:
    try:
        return signing.loads(token, salt=TRACKING_SALT)
    except signing.BadSignature:
        return None


def click_url(key: str) -> str:
    return settings.SITE_URL + reverse("message_click", args=[tracking_token(key)])


def open_pixel_url(key: str) -> str:
    return settings.SITE_URL + reverse("message_open", args=[tracking_token(key)])


def collector_of(customer):
    portfolio = customer.portfolio
    return portfolio.collector if portfolio else None


def context_for(*, customer, contact, lines, key: str | None = None, month: date | None = None) -> dict:
    user = collector_of(customer)
    profile = getattr(user, "collector_profile", None) if user else None
    return {
        "contact_name": contact.name if contact else "Accounts Payable",
        "customer_name": customer.name,
        "invoice_table": invoice_table(lines),
        "total_due": totals(lines),
        "invoice_numbers": ", ".join(line.number for line in lines),
        "portal_link": click_url(key) if key else portal_url(customer),
        "collector_name": (user.get_full_name() or user.get_username()) if user else "Accounts Receivable",
        "collector_title": profile.title if profile else "",
        "collector_signature": profile.signature if profile else "",
        "month": f"{month:%B %Y}" if month else "",
    }


def render(template, ctx: dict) -> tuple[str, str]:
    """(subject, body) of a MessageTemplate — or of any object with `subject` and `body` strings."""
    context = Context(ctx, autoescape=False)
    subject = Template(template.subject).render(context)
    body = Template(template.body).render(context)
    return " ".join(subject.split())[:250], body.strip() + "\n"
