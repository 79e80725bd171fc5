"""The customer's words for our internal choices: every value has one, so no page falls back to the
collectors' English label for a value added later, and each reads in the page's language."""

import pytest
from django.utils import translation

from portal.wording import NAMES, choices, named


@pytest.mark.parametrize("what", sorted(NAMES))
def test_every_value_of_every_choice_has_a_customer_word(what):
    ours, labels = NAMES[what]
    assert set(labels) - {""} <= set(ours), f"{what}: add the customer's word for the new value"


@pytest.mark.parametrize(("language", "cause", "status"), [
    ("en", "Wrong price", "Received"), ("fr", "Erreur de prix", "Reçue"), ("de", "Falscher Preis", "Eingegangen"),
    ("es", "Precio incorrecto", "Recibida"), ("nl", "Verkeerde prijs", "Ontvangen"),
])
def test_the_words_follow_the_active_language(language, cause, status):
    with translation.override(language):
        assert named("root_cause", "pricing") == cause
        assert named("dispute_status", "open") == status
        assert dict(choices("root_cause"))["pricing"] == cause


def test_an_unknown_value_is_shown_as_it_is():
    assert named("root_cause", "not-a-cause") == "not-a-cause"
