"""The HTML part of a message, laid out from the same content as its text part.

The text part is the filled-in template. Here that text is cut into blocks: the invoice table the
context put in it becomes a real table (a row per invoice, each with its own stage), the Pay and
portal links become buttons, the closing becomes one signature block, and the rest paragraphs with
their other links clickable. The blocks go into templates/emails/message.html (a table layout mail
programs render, the company's branding from reminders.models.Branding), whose CSS is inlined into
style attributes by css-inline, since many mail programs drop a <style> element.
"""

import re
from dataclasses import dataclass

import css_inline
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe

from reminders import languages
from reminders.models import Branding

INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Block:
    kind: str  # "text", "table", "button", "signature"
    html: SafeString | str = ""
    href: str = ""
    label: str = ""
    primary: bool = False


def _specials(ctx: dict) -> list[tuple[str, str]]:
    """(text as it appears in the text part, what it becomes), the longest first: the Pay address
    starts with the portal's when the preview signs a fresh link."""
    found = [(ctx.get("invoice_table", ""), "table"), (ctx.get("pay_url", ""), "pay"),
             (ctx.get("portal_link", ""), "portal"), (str(ctx.get("sign_off", "")).strip(), "signature"),
             (str(ctx.get("collector_signature", "")).strip(), "signature")]
    return sorted({(text, kind) for text, kind in found if text and text.strip()}, key=lambda s: -len(s[0]))


def _paragraphs(text: str) -> list[Block]:
    blocks = []
    for para in re.split(r"\n[ \t]*\n", text.strip("\n")):
        if para.strip():
            html = urlize(escape(para.strip()), nofollow=True, autoescape=False).replace("\n", "<br>\n")
            blocks.append(Block("text", mark_safe(html)))  # noqa: S308 - escaped just above
    return blocks


def blocks_of(body: str, ctx: dict, language: str) -> list[Block]:
    """The text part cut into blocks (see the module's doc). Each special text is recognised where
    it stands; one signature at most (a template that printed it twice shows it once)."""
    specials = _specials(ctx)
    blocks: list[Block] = []
    rest, signed = body, False
    while rest:
        hits = [(rest.find(text), -len(text), text, kind) for text, kind in specials if text in rest]
        if not hits:
            blocks += _paragraphs(rest)
            break
        at, _, text, kind = min(hits)
        blocks += _paragraphs(rest[:at])
        rest = rest[at + len(text):]
        if kind == "table":
            blocks.append(Block("table"))
        elif kind in ("pay", "portal"):
            blocks.append(Block("button", href=text, primary=kind == "pay",
                                label=languages.text("pay_now" if kind == "pay" else "view_account", language)))
        elif not signed:
            signed = True
            blocks.append(Block("signature", mark_safe(escape(text).replace("\n", "<br>\n"))))  # noqa: S308
    return blocks


def html_part(body: str, ctx: dict, *, branding: Branding, language: str, pixel_url: str = "") -> str:
    """The message's HTML part: the blocks in the branded layout, its CSS inlined."""
    rows = ctx.get("invoice_rows") or []
    html = render_to_string("emails/message.html", {
        "blocks": blocks_of(body, ctx, language), "branding": branding, "language": language,
        "logo_url": logo_url(branding), "rows": rows, "total_due": ctx.get("total_due", ""),
        "heads": {k: languages.text(k, language) for k in ("invoice", "due_date", "stage", "open_amount", "total")},
        "questions": languages.text("questions", language, email=branding.support_email)
        if branding.support_email else "",
        "address_lines": [ln for ln in branding.postal_address.splitlines() if ln.strip()],
        "pixel_url": pixel_url,
    })
    return INLINER.inline(html)


def text_part(body: str, *, branding: Branding, language: str) -> str:
    """The text part: the filled-in template, then the company's address and legal footer, if set."""
    footer = render_to_string("emails/footer.txt", {
        "branding": branding, "questions": languages.text("questions", language, email=branding.support_email)
        if branding.support_email else "",
    }).strip()
    return f"{body.rstrip()}\n\n-- \n{footer}\n" if footer else body


def logo_url(branding: Branding) -> str:
    """The logo's public address (reminders.views.branding serves it), or blank."""
    if not branding.logo:
        return ""
    return f"{settings.SITE_URL}{reverse('email_logo')}?v={int(branding.updated_at.timestamp())}"
