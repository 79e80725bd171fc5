"""The template editor previews both parts of a message for a real account, in the language picked."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders.models import DunningPolicy
from tests.factories import manager
from tests.reminders.factories import account, invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def final_notice():
    return DunningPolicy.objects.get(is_default=True).steps.get(offset_days=35).template


@pytest.fixture
def customer():
    customer = account(name="Brasserie Lumière", language="fr", currency="EUR")
    invoice(customer, due=timezone.localdate() - timedelta(days=40), amount="1234.56", currency="EUR",
            external_id="F-2026-118")
    return customer


def test_the_preview_shows_the_text_part_and_frames_the_html_part(client, final_notice, customer):
    client.force_login(manager())
    response = client.get(reverse("dunning_template_preview", args=[final_notice.pk]), {"customer": customer.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dernier avis avant d’autres mesures" in page  # the recipient's language: French
    assert 'id="preview-text"' in page and "F-2026-118" in page and "1\u202f234,56\xa0€" in page
    src = re.search(r'<iframe[^>]*id="preview-html"[^>]*src="([^"]+)"', page).group(1).replace("&amp;", "&")
    frame = client.get(src)
    assert frame.status_code == 200
    assert frame["Content-Security-Policy"].startswith("default-src 'none'")
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    html = frame.content.decode()
    assert '<tr class="invoice-row"' in html and "F-2026-118" in html and "Payer maintenant" in html


def test_the_preview_in_another_language_and_with_unsaved_edits(client, final_notice, customer):
    client.force_login(manager())
    url = reverse("dunning_template_preview", args=[final_notice.pk])
    german = client.get(url, {"customer": customer.pk, "language": "de"}).content.decode()
    assert "Letzte Mahnung vor weiteren Schritten" in german and "1.234,56\xa0€" in german
    typed = client.get(url, {"customer": customer.pk, "language": "en", "subject": "Nudge {{ customer_name }}",
                             "body": "Hi {{ contact_name }},\n\n{{ invoice_table }}\n\n{{ sign_off }}"})
    typed = typed.content.decode()
    assert "Nudge Brasserie Lumière" in typed and "1,234.56 EUR" in typed


def test_a_bad_language_or_account_is_said_beside_the_preview(client, final_notice, customer):
    client.force_login(manager())
    url = reverse("dunning_template_preview", args=[final_notice.pk])
    bad = client.get(url, {"customer": customer.pk, "language": "xx"})
    assert bad.status_code == 422 and "Unknown language “xx”" in bad.content.decode()
    gone = client.get(url, {"customer": "999999"})
    assert gone.status_code == 422 and "does not exist" in gone.content.decode()
    frame = client.get(reverse("dunning_template_preview_html", args=[final_notice.pk]), {"language": "xx"})
    assert frame.status_code == 422
