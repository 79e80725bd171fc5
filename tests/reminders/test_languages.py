"""Messages in the customer's language (issue 19): the contact's language, else the customer's,
else LANGUAGE_CODE; the default policy ships in English, French, German, Spanish and Dutch, money
and dates formatted by Babel; a template without a translation falls back to English as a whole."""

from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest

from reminders import languages
from reminders.models import DunningPolicy, MessageTemplateTranslation, OutboundMessage
from tests.reminders.factories import account, invoice

pytestmark = pytest.mark.django_db
D = date(2026, 10, 20)

# language: (the shipped Final notice's subject start, its opening words, 1,234.56 EUR, a due date, Pay button)
EXPECTED = {
    "en": ("Final notice before further action", "Despite our earlier reminders", "1,234.56 EUR", "Sep 14, 2026",
           "Pay now"),
    "fr": ("Dernier avis avant d’autres mesures", "Malgré nos précédents rappels", "1\u202f234,56\xa0€",
           "14 sept. 2026", "Payer maintenant"),
    "de": ("Letzte Mahnung vor weiteren Schritten", "trotz unserer bisherigen Erinnerungen", "1.234,56\xa0€",
           "14.09.2026", "Jetzt bezahlen"),
    "es": ("Último aviso antes de tomar otras medidas", "A pesar de nuestros recordatorios anteriores",
           "1.234,56\xa0€", "14 sept 2026", "Pagar ahora"),
    "nl": ("Laatste aanmaning voor verdere stappen", "Ondanks onze eerdere herinneringen", "€\xa01.234,56",
           "14 sep 2026", "Nu betalen"),
}
STAGES = {"en": "36 days late — final notice", "fr": "36 jours de retard — dernier avis",
          "de": "36 Tage überfällig — letzte Mahnung", "es": "36 días de retraso — último aviso",
          "nl": "36 dagen te laat — laatste aanmaning"}


def _final_notice(run_dunning, *, customer_language="", contact_language="", country=""):
    customer = account(language=customer_language, country=country, currency="EUR")
    customer.contacts.update(language=contact_language)
    invoice(customer, due=D - timedelta(days=36), amount="1234.56", currency="EUR", external_id="INV-36")
    run_dunning(D)
    return OutboundMessage.objects.get(customer=customer)


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_each_shipped_language_renders_a_full_reminder(run_dunning, language):
    subject, opening, amount, due, pay = EXPECTED[language]
    message = _final_notice(run_dunning, customer_language=language)
    assert message.language == language
    assert message.subject.startswith(subject)
    text = message.body
    assert opening in text
    assert text.count(amount) == 2  # the table's row and the total
    assert due in text and STAGES[language] in text
    assert "{{" not in text and "{%" not in text
    html = unescape(message.html_body)  # the inliner writes a no-break space as &nbsp;
    assert f'lang="{language}"' in html and opening in html and amount in html and pay in html
    assert STAGES[language] in html


def test_the_contacts_language_wins_over_the_customers(run_dunning):
    message = _final_notice(run_dunning, customer_language="fr", contact_language="de")
    assert message.language == "de" and "Guten Tag" in message.body


def test_a_language_without_a_translation_gets_the_english_message_whole(run_dunning):
    final = DunningPolicy.objects.get(is_default=True).steps.get(offset_days=35).template
    MessageTemplateTranslation.objects.filter(template=final, language="fr").delete()
    message = _final_notice(run_dunning, customer_language="fr")
    assert message.language == "en"
    assert message.subject.startswith("Final notice") and "1,234.56 EUR" in message.body
    assert "36 days late — final notice" in message.body and "Pay now" in message.html_body


def test_an_unshipped_language_falls_back_to_the_default(run_dunning):
    message = _final_notice(run_dunning, contact_language="it")
    assert message.language == "en" and "Despite our earlier reminders" in message.body


def test_the_choice_of_language():
    class Person:
        def __init__(self, language):
            self.language = language

    assert languages.wanted_language(Person("fr-CA"), Person("")) == "fr"
    assert languages.wanted_language(Person("fr"), Person("NL")) == "nl"
    assert languages.wanted_language(Person(""), None) == "en"  # LANGUAGE_CODE en-us


def test_money_follows_the_country_babel_knows():
    assert languages.money(Decimal("1234.5"), "CHF", "de", "CH") == "CHF\xa01'234.50"
    assert languages.money(Decimal("1234.5"), "EUR", "de", "ZZ") == "1.234,50\xa0€"  # unknown pair
    assert languages.money(Decimal("1234"), "JPY", "en") == "1,234 JPY"


@pytest.mark.parametrize(("language", "greeted"), [
    ("en", "Accounts Payable"), ("fr", "Service comptabilité fournisseurs"), ("de", "Kreditorenbuchhaltung")])
def test_a_message_without_a_contact_greets_accounts_payable_in_its_language(language, greeted):
    from reminders.rendering import context_for

    customer = account(language=language, currency="EUR")
    assert context_for(customer=customer, contact=None, lines=[], language=language)["contact_name"] == greeted
