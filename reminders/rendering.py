"""Fill a message template for a real account: contact, invoice table, totals, portal link and the
collector's name and signature. Templates use Django's template syntax, e.g. {{ contact_name }}."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.template import Context, Engine, TemplateSyntaxError
from django.urls import reverse

from portal.links import ExpiredLink, PortalLinkError, portal_link_check, portal_token_for, portal_url_for
from reminders.models import TrackedLink

PLACEHOLDERS = {
    "contact_name": "The recipient's name",
    "customer_name": "The account's name",
    "invoice_table": "A table of the invoices in the message (number, due date, days late, open amount)",
    "total_due": "The total of those invoices, per currency",
    "invoice_numbers": "The invoice numbers, comma separated",
    "portal_link": "A signed link to the customer portal",
    "pay_url": "A link to pay exactly the invoices in the message online (empty when none is open)",
    "collector_name": "The account's collector",
    "collector_title": "The collector's title",
    "collector_signature": "The collector's signature (their profile)",
    "sign_off": "The closing lines: the collector's signature, else 'Kind regards,' and their name",
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
    invoice_id: int | None = None  # what the message's Pay link names; None: a line built without it


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


# What a click on a tracked link can run into (expired, revoked), for the click page, which may not
# import the portal itself.
TrackedLinkError = PortalLinkError


def tracked_link_issue(*, key: str, customer) -> TrackedLink:
    """A message's portal link is minted once, when the message is first rendered; a later rendering
    of the same message (the re-check at send time) and every click of it use that same link."""
    link, _ = TrackedLink.objects.get_or_create(key=key, defaults={
        "customer": customer,
        "portal_token": lambda: portal_token_for(customer, family=customer.parent_id is None),
    })
    return link


def tracked_portal_path(key: str) -> str:
    """Where a click on a message's tracked link goes: the portal link minted with the message, while
    it is good. Raises TrackedLinkError once it expired or the customer's links were revoked, and for
    a message rendered before links were kept with their messages: nothing says which link it was
    issued with, so it counts as expired; a click never mints a new link."""
    link = TrackedLink.objects.filter(key=key).only("portal_token").first()
    if link is None:
        raise ExpiredLink()
    portal_link_check(link.portal_token)
    return reverse("portal_home", args=[link.portal_token])


def click_url(key: str, *, customer) -> str:
    """The tracked address a message shows instead of the portal link itself (see tracked_link_issue)."""
    tracked_link_issue(key=key, customer=customer)
    return click_address(key)


def click_address(key: str) -> str:
    return settings.SITE_URL + reverse("message_click", args=[tracking_token(key)])


PAY_ORIGINS = ("email", "statement")


def pay_url(customer, lines, *, token: str | None = None, origin: str = "email") -> str:
    """The message's Pay button: the portal's pay page with exactly the invoices the message lists
    preselected (`?invoices=`). A message passes the portal token minted with it (its TrackedLink),
    so a re-rendering gives the same address and revoking the customer's links kills it too; else a
    fresh link is signed. Empty when the message lists nothing to pay. `from=` tells the checkout
    where it started."""
    if origin not in PAY_ORIGINS:
        raise ValueError(f"origin must be one of {PAY_ORIGINS}")
    if not lines:
        return ""
    token = token or portal_token_for(customer, family=customer.parent_id is None)
    ids = [str(line.invoice_id) for line in lines if line.invoice_id]
    query = f"?invoices={','.join(ids)}&from={origin}" if ids else f"?from={origin}"
    return f"{settings.SITE_URL}{reverse('portal_pay', args=[token])}{query}"


def open_pixel_url(key: str) -> str:
    return settings.SITE_URL + reverse("message_open", args=[tracking_token(key)])


def collector_of(customer):
    portfolio = customer.portfolio
    return portfolio.collector if portfolio else None


def sign_off(user, profile) -> str:
    """A message's closing, once: the collector's signature already holds their greeting and name
    (the stock templates used to add both again before it)."""
    if profile is not None and profile.signature.strip():
        return profile.signature.strip()
    name = (user.get_full_name() or user.get_username()) if user else "Accounts Receivable"
    title = profile.title if profile is not None else ""
    return "\n".join(["Kind regards,", name, *([title] if title else [])])


def context_for(*, customer, contact, lines, key: str | None = None, month: date | None = None,
                pay_origin: str = "email") -> dict:
    user = collector_of(customer)
    profile = getattr(user, "collector_profile", None) if user else None
    tracked = tracked_link_issue(key=key, customer=customer) if key else None
    return {
        "contact_name": contact.name if contact else "Accounts Payable",
        "customer_name": customer.name,
        "invoice_table": invoice_table(lines),
        "total_due": totals(lines),
        "invoice_numbers": ", ".join(line.number for line in lines),
        "portal_link": click_address(key) if key else portal_url(customer),
        "pay_url": pay_url(customer, lines, token=tracked.portal_token if tracked else None, origin=pay_origin),
        "collector_name": (user.get_full_name() or user.get_username()) if user else "Accounts Receivable",
        "collector_title": profile.title if profile else "",
        "collector_signature": profile.signature if profile else "",
        "sign_off": sign_off(user, profile),
        "month": f"{month:%B %Y}" if month else "",
    }


# Message templates are typed by managers and rendered for every customer: their own engine, which
# loads no file and knows only the tags and filters of reminders.message_tags (no include,
# extends, load, debug, ssi). A template that fails here fails one message, never a whole run.
SANDBOX = Engine(loaders=[], libraries={}, autoescape=False)
SANDBOX.template_builtins = SANDBOX.get_template_builtins(["reminders.message_tags"])


class MessageRenderError(Exception):
    """A message template that cannot be compiled or filled in; the text says why, for a person."""


def compile_text(text: str):
    """A message template's subject or body compiled by the sandbox, or MessageRenderError."""
    try:
        return SANDBOX.from_string(text)
    except TemplateSyntaxError as exc:
        forbidden = re.match(r"Invalid block tag on line (\d+): '(\w+)'", str(exc))
        if forbidden:
            line, tag = forbidden.groups()
            raise MessageRenderError(f"{{% {tag} %}} cannot be used in a message template (line {line}).") from exc
        raise MessageRenderError(f"Placeholder syntax: {exc}") from exc


def render_text(text: str, ctx: dict) -> str:
    try:
        return compile_text(text).render(Context(ctx, autoescape=False))
    except MessageRenderError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a template does at render time fails this message only
        raise MessageRenderError(f"The template could not be filled in: {type(exc).__name__}: {exc}") from exc


def render(template, ctx: dict) -> tuple[str, str]:
    """(subject, body) of a MessageTemplate — or of any object with `subject` and `body` strings.
    Raises MessageRenderError when the template cannot be compiled or filled in."""
    subject = render_text(template.subject, ctx)
    body = render_text(template.body, ctx)
    return " ".join(subject.split())[:250], body.strip() + "\n"


def lines_for(invoices, as_of: date, step_names: dict[int, str] | None = None) -> list[Line]:
    """The invoices as a message lists them, oldest due first."""
    step_names = step_names or {}
    return [Line(i.external_id, i.due_date, i.open_amount, i.currency, (as_of - i.due_date).days,
                 step_names.get(i.pk, ""), i.pk)
            for i in sorted(invoices, key=lambda i: (i.due_date, i.external_id))]
