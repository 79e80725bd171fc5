"""The language a message is written in, and money, dates and fixed wording in that language.

The recipient's language is the contact's, else the customer's, else settings.LANGUAGE_CODE. A
message template's own text is in LANGUAGE_CODE; its translations (MessageTemplateTranslation) add
others. A language the template has no translation for gets the template's own text, and then the
whole message (money, dates, table headings, buttons) is in LANGUAGE_CODE too, never a mix.
Money and dates are formatted by Babel for the language (and the customer's country when Babel
knows that pair: fr_CA, de_CH, nl_BE…).
"""

from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from django.conf import settings

from reminders.models import MessageTemplate, MessageTemplateTranslation

# The languages the layout's fixed wording (below) and the default policy's templates ship in.
SHIPPED = ("en", "fr", "de", "es", "nl")
# English keeps the ISO code after the amount ("1,234.56 USD"): a "$" would not say which dollar.
ENGLISH_MONEY = "#,##0.00 ¤¤"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice", "due_date": "Due date", "stage": "Status", "open_amount": "Open amount",
        "total": "Total", "view_account": "View your account", "pay_now": "Pay now",
        "late_one": "1 day late", "late_other": "{n} days late", "due_today": "due today",
        "due_one": "due tomorrow", "due_other": "due in {n} days", "closing": "Kind regards,",
        "sender": "Accounts Receivable", "questions": "Questions? Write to {email}.",
        "recipient": "Dear customer", "payables": "Accounts Payable",
    },
    "fr": {
        "invoice": "Facture", "due_date": "Échéance", "stage": "Statut", "open_amount": "Montant dû",
        "total": "Total", "view_account": "Voir votre compte", "pay_now": "Payer maintenant",
        "late_one": "1 jour de retard", "late_other": "{n} jours de retard", "due_today": "échéance aujourd’hui",
        "due_one": "échéance demain", "due_other": "échéance dans {n} jours", "closing": "Cordialement,",
        "sender": "Service comptabilité clients", "questions": "Des questions ? Écrivez-nous à {email}.",
        "recipient": "Madame, Monsieur", "payables": "Service comptabilité fournisseurs",
    },
    "de": {
        "invoice": "Rechnung", "due_date": "Fällig am", "stage": "Status", "open_amount": "Offener Betrag",
        "total": "Summe", "view_account": "Ihr Kundenkonto ansehen", "pay_now": "Jetzt bezahlen",
        "late_one": "1 Tag überfällig", "late_other": "{n} Tage überfällig", "due_today": "heute fällig",
        "due_one": "morgen fällig", "due_other": "fällig in {n} Tagen", "closing": "Mit freundlichen Grüßen",
        "sender": "Debitorenbuchhaltung", "questions": "Fragen? Schreiben Sie uns an {email}.",
        "recipient": "Sehr geehrte Damen und Herren", "payables": "Kreditorenbuchhaltung",
    },
    "es": {
        "invoice": "Factura", "due_date": "Vencimiento", "stage": "Estado", "open_amount": "Importe pendiente",
        "total": "Total", "view_account": "Ver su cuenta", "pay_now": "Pagar ahora",
        "late_one": "1 día de retraso", "late_other": "{n} días de retraso", "due_today": "vence hoy",
        "due_one": "vence mañana", "due_other": "vence en {n} días", "closing": "Atentamente,",
        "sender": "Departamento de cobros", "questions": "¿Preguntas? Escríbanos a {email}.",
        "recipient": "Estimado cliente", "payables": "Departamento de cuentas por pagar",
    },
    "nl": {
        "invoice": "Factuur", "due_date": "Vervaldatum", "stage": "Status", "open_amount": "Openstaand bedrag",
        "total": "Totaal", "view_account": "Bekijk uw account", "pay_now": "Nu betalen",
        "late_one": "1 dag te laat", "late_other": "{n} dagen te laat", "due_today": "vervalt vandaag",
        "due_one": "vervalt morgen", "due_other": "vervalt over {n} dagen", "closing": "Met vriendelijke groet,",
        "sender": "Debiteurenadministratie", "questions": "Vragen? Schrijf ons op {email}.",
        "recipient": "Geachte heer, mevrouw", "payables": "Crediteurenadministratie",
    },
}

# The stock steps' names as an invoice's stage says them ("45 days late — final notice"); a step
# named otherwise is shown as it was typed.
STEP_NAMES: dict[str, dict[str, str]] = {
    "en": {"Heads-up": "heads-up", "First reminder": "first reminder", "Second reminder": "second reminder",
           "Firm reminder": "firm reminder", "Final notice": "final notice"},
    "fr": {"Heads-up": "avis préalable", "First reminder": "premier rappel", "Second reminder": "deuxième rappel",
           "Firm reminder": "rappel ferme", "Final notice": "dernier avis"},
    "de": {"Heads-up": "Vorabhinweis", "First reminder": "Zahlungserinnerung", "Second reminder": "1. Mahnung",
           "Firm reminder": "2. Mahnung", "Final notice": "letzte Mahnung"},
    "es": {"Heads-up": "aviso previo", "First reminder": "primer recordatorio",
           "Second reminder": "segundo recordatorio", "Firm reminder": "requerimiento", "Final notice": "último aviso"},
    "nl": {"Heads-up": "vooraankondiging", "First reminder": "eerste herinnering",
           "Second reminder": "tweede herinnering", "Firm reminder": "aanmaning", "Final notice": "laatste aanmaning"},
}

# A signature's first line that is an English closing is said in the message's language.
ENGLISH_CLOSINGS = ("kind regards,", "best regards,", "regards,", "thank you,", "kind regards", "best regards")


def base(code: str) -> str:
    """"en-us" → "en", "pt_BR" → "pt"; blank stays blank."""
    return code.strip().lower().replace("_", "-").split("-")[0]


def default_language() -> str:
    return base(settings.LANGUAGE_CODE) or "en"


def wanted_language(customer: object, contact: object = None) -> str:
    """The recipient's language: the contact's, else the customer's, else LANGUAGE_CODE."""
    for code in (getattr(contact, "language", ""), getattr(customer, "language", "")):
        if code and base(code):
            return base(code)
    return default_language()


def layout_language(language: str) -> str:
    """A language the layout can be written in: itself when shipped, else LANGUAGE_CODE's."""
    language = base(language or "")
    return language if language in SHIPPED else default_language()


def translation_for(template: object, language: str) -> MessageTemplateTranslation | None:
    """The template's translation into `language`, or None (the template's own text is used)."""
    pk = getattr(template, "pk", None)
    if pk is None or base(language) == default_language():
        return None
    cached = getattr(template, "_prefetched_objects_cache", {}).get("translations")
    if cached is not None:
        return next((t for t in cached if base(t.language) == base(language)), None)
    return MessageTemplateTranslation.objects.filter(template_id=pk, language=base(language)).first()


def text_language(template: object, language: str) -> str:
    """The language a message from `template` is written in for a recipient of `language`: theirs
    when the template has a translation for it (or it is LANGUAGE_CODE's), else LANGUAGE_CODE's."""
    language = base(language or "") or default_language()
    if language == default_language() or translation_for(template, language) is not None:
        return layout_language(language)
    return default_language()


def template_text(template: MessageTemplate, language: str) -> tuple[str, str]:
    """(subject, body) of `template` in `language`, falling back to the template's own text."""
    translation = translation_for(template, language)
    if translation is not None:
        return translation.subject, translation.body
    return template.subject, template.body


def locale_for(language: str, country: str = "") -> Locale:
    language = layout_language(language)
    if country:
        try:
            return Locale.parse(f"{language}_{country.upper()}")
        except (UnknownLocaleError, ValueError):
            pass
    return Locale.parse(language)


def money(amount: Decimal, currency: str, language: str, country: str = "") -> str:
    """An amount as the language writes it: "1,234.56 USD", "1.234,56 €", "1 234,56 €"."""
    if layout_language(language) == "en":
        return format_currency(amount, currency, format=ENGLISH_MONEY, locale="en", currency_digits=True)
    return format_currency(amount, currency, locale=locale_for(language, country))


def number(amount: Decimal, language: str, country: str = "") -> str:
    """An amount without its currency, two decimals, as the language writes it: "1,234.56", "1 234,56"."""
    return format_decimal(amount, format="#,##0.00", locale=locale_for(language, country), decimal_quantization=True)


def figure(value: Decimal, language: str, country: str = "") -> str:
    """A figure with only the decimals it has (a percentage): "2.5", "2,5"."""
    return format_decimal(value.normalize(), locale=locale_for(language, country))


def day(value: date, language: str, country: str = "") -> str:
    """A date as the language writes it: "Dec 1, 2026", "01.12.2026", "1 déc. 2026"."""
    return format_date(value, format="medium", locale=locale_for(language, country))


def month(value: date, language: str, country: str = "") -> str:
    """A statement month: "December 2026", "décembre 2026"."""
    return format_date(value, format="LLLL yyyy", locale=locale_for(language, country))


def printable(value: str) -> str:
    """Text for a PDF drawn with the standard fonts, whose encoding (WinAnsi) has no narrow no-break
    space: Babel's French thousands separator becomes a no-break space, which it has."""
    return value.replace("\u202f", "\u00a0")


def text(key: str, language: str, **values: object) -> str:
    return STRINGS[layout_language(language)][key].format(**values)


def stage(days_past_due: int, step_name: str, language: str) -> str:
    """An invoice's own stage: "4 days late", "45 days late — final notice", "due in 5 days"."""
    if days_past_due > 0:
        when = text("late_one" if days_past_due == 1 else "late_other", language, n=days_past_due)
    elif days_past_due == 0:
        when = text("due_today", language)
    else:
        when = text("due_one" if days_past_due == -1 else "due_other", language, n=-days_past_due)
    if not step_name:
        return when
    name = STEP_NAMES[layout_language(language)].get(step_name.strip(), step_name.strip())
    return f"{when} — {name}"


def closing_in(signature: str, language: str) -> str:
    """A signature whose first line is an English closing gets the language's closing instead."""
    lines = signature.strip().splitlines()
    if lines and layout_language(language) != "en" and lines[0].strip().lower() in ENGLISH_CLOSINGS:
        lines[0] = text("closing", language)
    return "\n".join(lines)
