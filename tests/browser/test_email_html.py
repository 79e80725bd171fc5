"""The HTML part of a reminder as a mail program shows it: Chromium renders it, the Pay and portal
buttons are visible and the invoice table has its four columns; a screenshot is kept under VAR_DIR."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from reminders.manual import message_preview_parts
from reminders.models import Branding, MessageTemplate, MessageTemplateTranslation
from tests.reminders.factories import account, invoice

pytestmark = pytest.mark.django_db(transaction=True)

# A German reminder of its own: the shipped ones come from data migrations, which a transactional test
# run before this one may have flushed (tests/reminders/test_languages.py renders the shipped texts).
BODY_DE = """Sehr geehrte Damen und Herren,

folgende Rechnungen sind überfällig:

{{ invoice_table }}

Bitte begleichen Sie den offenen Betrag: {{ pay_url }}
Ihr Kundenkonto: {{ portal_link }}

{{ sign_off }}"""


def test_the_html_part_renders_with_its_buttons_and_table(page):
    Branding.objects.create(company_name="Northwind Supplies", primary_colour="#0b5394", accent_colour="#e9f0f8",
                            postal_address="1 Harbour Road\nBristol BS1 4DJ",
                            legal_footer="Registered in England 123456")
    customer = account(name="Acme Tools", language="de", currency="EUR")
    today = timezone.localdate()
    invoice(customer, due=today - timedelta(days=4), amount="1234.56", currency="EUR", external_id="INV-4")
    invoice(customer, due=today - timedelta(days=40), amount="320.00", currency="EUR", external_id="INV-40")
    template = MessageTemplate.objects.create(name="Zweite Mahnung (Test)", subject="Reminder",
                                              body=BODY_DE.replace("Sehr geehrte Damen und Herren", "Dear customer"))
    MessageTemplateTranslation.objects.create(template=template, language="de", subject="Zahlungserinnerung",
                                              body=BODY_DE)
    html = message_preview_parts(customer=customer, template=template).html_body

    page.set_viewport_size({"width": 700, "height": 1100})
    page.set_content(html)
    pay = page.get_by_role("link", name="Jetzt bezahlen")
    portal = page.get_by_role("link", name="Ihr Kundenkonto ansehen")
    assert pay.is_visible() and portal.is_visible()
    box = pay.bounding_box()
    assert box["width"] > 80 and box["height"] > 30  # a button, not a bare link
    assert pay.evaluate("a => getComputedStyle(a).color") == "rgb(255, 255, 255)"
    assert pay.evaluate("a => getComputedStyle(a).backgroundColor") == "rgb(11, 83, 148)"

    table = page.locator("table.invoices")
    assert table.locator("th").all_inner_texts() == ["RECHNUNG", "FÄLLIG AM", "STATUS", "OFFENER BETRAG"]
    rows = table.locator("tr.invoice-row")
    assert rows.count() == 2
    first = rows.nth(0).locator("td").all_inner_texts()
    assert first[0] == "INV-40" and first[2] == "40 Tage überfällig" and first[3] == "320,00\xa0€"
    amount = rows.nth(0).locator("td").nth(3)
    assert amount.evaluate("td => getComputedStyle(td).textAlign") == "right"
    cells = [rows.nth(0).locator("td").nth(i).bounding_box() for i in range(4)]
    assert all(cells[i]["x"] < cells[i + 1]["x"] for i in range(3))  # four columns side by side
    assert page.get_by_text("Registered in England 123456").is_visible()

    shot = settings.VAR_DIR / "screenshots" / "email_html.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
