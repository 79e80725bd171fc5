"""Every string the customer can read is in each shipped catalog, translated and not fuzzy, and the
compiled .mo files say the same as the .po files they come from."""

import gettext as gnu_gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ("fr", "de", "es", "nl")
# What the customer reads: the portal's pages, and the modules that write its forms, messages,
# PDFs and emails.
TEMPLATES = sorted((ROOT / "templates" / "portal").glob("*.html"))
MODULES = [*sorted((ROOT / "portal").glob("*.py")), ROOT / "autopay" / "forms.py", ROOT / "autopay" / "models.py",
           ROOT / "autopay" / "services.py", ROOT / "reminders" / "payment_notices.py",
           ROOT / "reminders" / "statements.py", ROOT / "reminders" / "plan_notices.py",
           ROOT / "reminders" / "manual.py", ROOT / "reminders" / "autopay_notices.py"]
KEYWORDS = {"_": None, "gettext": None, "gettext_lazy": None, "gettext_noop": None, "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2), "pgettext_lazy": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}


def _extract(source: str) -> set[tuple[str | None, str]]:
    found = set()
    for _line, func, message, _comments in extract_python(io.BytesIO(source.encode()), KEYWORDS, [], {}):
        if not isinstance(message, tuple):
            found.add((None, message))
        elif func in ("pgettext", "pgettext_lazy", "npgettext"):
            found.add((message[0], message[1]))
        else:
            found.add((None, message[0]))
    return {(context, msgid) for context, msgid in found if isinstance(msgid, str) and msgid}


def used_msgids() -> set[tuple[str | None, str]]:
    """(context, msgid) of every translatable string in the customer-facing templates and modules."""
    found: set[tuple[str | None, str]] = set()
    for path in TEMPLATES:
        found |= _extract(templatize(path.read_text(), origin=str(path)))
    for path in MODULES:
        found |= _extract(path.read_text())
    return found


def catalog(language: str):
    with open(ROOT / "locale" / language / "LC_MESSAGES" / "django.po", "rb") as fh:
        return read_po(fh)


def test_the_extraction_finds_the_strings_of_every_page():
    used = used_msgids()
    assert (None, "Automatic payment") in used  # templates/portal/autopay.html
    assert (None, "Wrong price") in used  # portal/wording.py, a root cause
    assert ("dispute", "Received") in used  # a context
    assert (None, "Card, with a %(percent)s %% surcharge") in used  # portal/pay_forms.py
    assert (None, "Thank you: we received your payment of %(amount)s on %(date)s (reference %(reference)s).") in used
    assert len(used) > 250


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_customer_facing_string_is_translated_in_the_catalog(language):
    entries = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog(language) if m.id}
    problems = []
    for key in sorted(used_msgids(), key=lambda k: (k[0] or "", k[1])):
        message = entries.get(key)
        strings = message.string if message is not None and isinstance(message.string, tuple) else (
            (message.string,) if message is not None else ())
        if message is None:
            problems.append(f"missing: {key}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {key}")
        elif not strings or not all(strings):
            problems.append(f"empty: {key}")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_has_no_fuzzy_or_empty_entry_at_all(language):
    bad = [m.id for m in catalog(language) if m.id and (m.fuzzy or not (
        all(m.string) if isinstance(m.string, tuple) else m.string))]
    assert bad == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_source(language):
    """A .po edited without compiling would leave the pages in English: the .mo says the same."""
    with open(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo", "rb") as fh:
        compiled = gnu_gettext.GNUTranslations(fh)
    stale = []
    for message in catalog(language):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            got = compiled.npgettext(message.context, *message.id, 1) if message.context else compiled.ngettext(
                *message.id, 1)
            want = message.string[0]
        else:
            got = compiled.pgettext(message.context, message.id) if message.context else compiled.gettext(message.id)
            want = message.string
        if got != want:
            stale.append(message.id)
    assert stale == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    """A translation that drops or renames %(amount)s would crash or lose the figure on the page."""
    placeholder = re.compile(r"%\((\w+)\)s")
    wrong = []
    for message in catalog(language):
        if not message.id or isinstance(message.id, tuple):
            continue
        if set(placeholder.findall(message.id)) != set(placeholder.findall(message.string)):
            wrong.append(message.id)
    assert wrong == []
