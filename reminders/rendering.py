"""Fill a message template for a real account: contact, invoice table, totals, portal link and the
collector's name and signature. Templates use Django's template syntax, e.g. {{ contact_name }}.

A message is written in the recipient's language (reminders.languages: the template's translation,
money and dates by Babel) and has two parts made from the same context: the text part is the
filled-in template, the HTML part (reminders.html_email) lays the same content out with the
company's branding, the invoice table, buttons and one signature (`render_message`)."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.template import Context, Engine, TemplateSyntaxError
from django.urls import reverse

from portal.links import (
    ExpiredLink,
    PortalLinkError,
    portal_link_check,
    portal_token_for,
    portal_url_for,
    shows_family,
)
from reminders import html_email, languages
from reminders.models import Branding, TrackedLink

PLACEHOLDERS = {
    "contact_name": "The recipient's name",
    "customer_name": "The account's name",
    "invoice_table": "A table of the invoices in the message (number, due date, open amount, each one's stage)",
    "total_due": "The total of those invoices, per currency",
    "invoice_numbers": "The invoice numbers, comma separated",
    "portal_link": "A signed link to the customer portal",
    "pay_url": "A link to pay exactly the invoices in the message online (empty when none is open)",
    "collector_name": "The account's collector",
    "collector_title": "The collector's title",
    "collector_signature": "The collector's signature (their profile)",
    "sign_off": "The closing lines: the collector's signature, else 'Kind regards,' and their name",
    "month": "The statement month (statements only)",
    "company_name": "Your company's name (the email branding)",
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


def money(amount: Decimal, currency: str, language: str = "en", country: str = "") -> str:
    return languages.money(amount, currency, language, country)


def totals(lines, language: str = "en", country: str = "") -> str:
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_currency[line.currency] += line.open_amount
    return " + ".join(money(amount, currency, language, country)
                      for currency, amount in sorted(by_currency.items())) or "0.00"


def invoice_rows(lines, language: str = "en", country: str = "") -> list[dict[str, str]]:
    """The invoices as both parts list them: number, due date, open amount and the invoice's own
    stage ("45 days late — final notice"), in the message's language."""
    return [{"number": line.number, "due_date": languages.day(line.due_date, language, country),
             "amount": money(line.open_amount, line.currency, language, country),
             "stage": languages.stage(line.days_past_due, line.step_name, language)} for line in lines]


def invoice_table(lines, language: str = "en", country: str = "") -> str:
    """The text part's table: aligned columns, the stage last (it is the longest)."""
    heads = [languages.text(k, language) for k in ("invoice", "due_date", "open_amount", "stage")]
    rows = [[r["number"], r["due_date"], r["amount"], r["stage"]] for r in invoice_rows(lines, language, country)]
    widths = [max(len(row[i]) for row in [heads, *rows]) for i in range(3)]
    return "\n".join(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}".rstrip()
                     for row in [heads, *rows])


def portal_url(customer) -> str:
    """The customer's signed portal address (the family's, for the head of an account family)."""
    url = portal_url_for(customer, family=shows_family(customer))
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
        "portal_token": lambda: portal_token_for(customer, family=shows_family(customer)),
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
    token = token or portal_token_for(customer, family=shows_family(customer))
    ids = [str(line.invoice_id) for line in lines if line.invoice_id]
    query = f"?invoices={','.join(ids)}&from={origin}" if ids else f"?from={origin}"
    return f"{settings.SITE_URL}{reverse('portal_pay', args=[token])}{query}"


def open_pixel_url(key: str) -> str:
    return settings.SITE_URL + reverse("message_open", args=[tracking_token(key)])


def collector_of(customer):
    portfolio = customer.portfolio
    return portfolio.collector if portfolio else None


def sign_off(user, profile, language: str = "en") -> str:
    """A message's closing, once: the collector's signature already holds their greeting and name
    (the stock templates used to add both again before it; `closing_once` folds what is left of
    that into this). Its English greeting is said in the message's language."""
    if profile is not None and profile.signature.strip():
        return languages.closing_in(profile.signature, language)
    name = (user.get_full_name() or user.get_username()) if user else languages.text("sender", language)
    title = profile.title if profile is not None else ""
    return "\n".join([languages.text("closing", language), name, *([title] if title else [])])


def context_for(*, customer, contact, lines, key: str | None = None, month: date | None = None,
                pay_origin: str = "email", language: str | None = None) -> dict:
    """The placeholders for one message, in `language` (by default the recipient's, see
    reminders.languages). `render` switches to LANGUAGE_CODE when the template has no translation."""
    user = collector_of(customer)
    profile = getattr(user, "collector_profile", None) if user else None
    tracked = tracked_link_issue(key=key, customer=customer) if key else None
    lang = languages.layout_language(language or languages.wanted_language(customer, contact))
    country = getattr(customer, "country", "") or ""
    lines = list(lines)
    return {
        "contact_name": contact.name if contact else languages.text("payables", lang),
        "customer_name": customer.name,
        "invoice_table": invoice_table(lines, lang, country),
        "total_due": totals(lines, lang, country),
        "invoice_numbers": ", ".join(line.number for line in lines),
        "portal_link": click_address(key) if key else portal_url(customer),
        "pay_url": pay_url(customer, lines, token=tracked.portal_token if tracked else None, origin=pay_origin),
        "collector_name": (user.get_full_name() or user.get_username()) if user else languages.text("sender", lang),
        "collector_title": profile.title if profile else "",
        "collector_signature": profile.signature if profile else "",
        "sign_off": sign_off(user, profile, lang),
        "month": languages.month(month, lang, country) if month else "",
        "company_name": Branding.current().company_name,
        "invoice_rows": invoice_rows(lines, lang, country),
        "language": lang,
        # What made this context, to make it again in another language; a template cannot read it
        # (a name that starts with "_" does not compile).
        "_inputs": {"customer": customer, "contact": contact, "lines": lines, "key": key, "month": month,
                    "pay_origin": pay_origin},
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


# The closing the stock templates wrote before the collector's signature, which holds both already
# (a greeting line, their name, then the signature): said once, as {{ sign_off }}.
DOUBLED_CLOSING = re.compile(
    r"^(?:[^\n{}]{1,40},[ \t]*\n)?\{\{\s*collector_name\s*\}\}[ \t]*\n\s*\{\{\s*collector_signature\s*\}\}",
    re.MULTILINE,
)


def closing_once(body: str) -> str:
    return DOUBLED_CLOSING.sub("{{ sign_off }}", body)


def localized(template, ctx: dict) -> tuple[str, str, dict]:
    """The template's (subject, body) in the context's language, with the context to fill them:
    without a translation into it, the template's own text and the context made again in
    LANGUAGE_CODE (so money, dates and the table match the words)."""
    wanted = ctx.get("language") or languages.default_language()
    used = languages.text_language(template, wanted) if hasattr(template, "pk") else wanted
    if used != wanted and "_inputs" in ctx:
        ctx = {**ctx, **context_for(**ctx["_inputs"], language=used)}
    if hasattr(template, "pk"):
        subject, body = languages.template_text(template, used)
    else:
        subject, body = template.subject, template.body
    return subject, body, ctx


def render(template, ctx: dict) -> tuple[str, str]:
    """(subject, body) of a MessageTemplate — or of any object with `subject` and `body` strings —
    in the context's language (its translation, else its own text). Raises MessageRenderError when
    the template cannot be compiled or filled in."""
    subject, body, _ = _render(template, ctx)
    return subject, body


def _render(template, ctx: dict) -> tuple[str, str, dict]:
    subject_text, body_text, ctx = localized(template, ctx)
    subject = render_text(subject_text, ctx)
    body = render_text(closing_once(body_text), ctx)
    return " ".join(subject.split())[:250], body.strip() + "\n", ctx


@dataclass(frozen=True)
class Rendered:
    """A message ready for the outbox: subject, the text part, the HTML part and its language."""

    subject: str
    body: str
    html_body: str
    language: str


def render_message(template, ctx: dict) -> Rendered:
    """Both parts of a message from one template and one context (see reminders.html_email)."""
    subject, body, ctx = _render(template, ctx)
    return message_parts(subject, body, ctx)


def message_parts(subject: str, body: str, ctx: dict | None) -> Rendered:
    """Both parts of a message whose text is already written (a receipt, a collector's own email):
    the HTML part lays out that text, recognising the context's table, links and signature in it."""
    ctx = ctx or {}
    language = ctx.get("language") or languages.default_language()
    key = (ctx.get("_inputs") or {}).get("key")
    branding = Branding.current()
    html = html_email.html_part(body, ctx, branding=branding, language=language,
                                pixel_url=open_pixel_url(key) if key else "")
    return Rendered(subject, html_email.text_part(body, branding=branding, language=language), html, language)


def lines_for(invoices, as_of: date, step_names: dict[int, str] | None = None) -> list[Line]:
    """The invoices as a message lists them, oldest due first."""
    step_names = step_names or {}
    return [Line(i.external_id, i.due_date, i.open_amount, i.currency, (as_of - i.due_date).days,
                 step_names.get(i.pk, ""), i.pk)
            for i in sorted(invoices, key=lambda i: (i.due_date, i.external_id))]
