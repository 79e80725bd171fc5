"""Real HTML emails (issue 19): a reminder's HTML part has the invoice table with a row and a stage
per invoice, a Pay and a portal button, the branding and one signature; the text part comes from
the same content; the old doubled closing is said once."""

import io
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from reminders import rendering
from reminders.models import Branding, DunningPolicy, OutboundMessage
from tests.reminders.factories import account, invoice

pytestmark = pytest.mark.django_db
D = date(2026, 10, 20)


@pytest.fixture
def standard():
    """The default policy as the migrations ship it (stock templates, translations)."""
    return DunningPolicy.objects.get(is_default=True)


@pytest.fixture
def customer():
    customer = account(name="Acme Tools")
    profile = customer.portfolio.collector.collector_profile
    customer.portfolio.collector.first_name, customer.portfolio.collector.last_name = "Alice", "Martin"
    customer.portfolio.collector.save()
    profile.signature = "Kind regards,\nAlice Martin\nCollections specialist"
    profile.save()
    return customer


def _reminder(run_dunning, customer):
    late = invoice(customer, due=D - timedelta(days=4), amount="1234.56", external_id="INV-4")
    final = invoice(customer, due=D - timedelta(days=36), amount="500.00", external_id="INV-36")
    run_dunning(D)
    return OutboundMessage.objects.get(customer=customer), late, final


def test_the_html_part_has_a_row_and_a_stage_per_invoice(run_dunning, standard, customer):
    message, late, final = _reminder(run_dunning, customer)
    html = message.html_body
    rows = re.findall(r'<tr class="invoice-row".*?</tr>', html, re.S)
    assert len(rows) == 2
    assert "INV-36" in rows[0] and "36 days late — final notice" in rows[0]
    assert "INV-4" in rows[1] and "4 days late — first reminder" in rows[1]
    assert "1,234.56 USD" in rows[1] and "Sep 14, 2026" in rows[0]
    assert "1,734.56 USD" in html  # the total row
    assert message.language == "en"


def test_buttons_point_at_the_pay_page_and_the_tracked_portal_link(run_dunning, standard, customer):
    message, late, final = _reminder(run_dunning, customer)
    buttons = {label: href for href, label in
               re.findall(r'<a class="button[^>]*?href="([^"]+)"[^>]*>([^<]+)</a>', message.html_body)}
    assert set(buttons) == {"Pay now", "View your account"}
    assert "/pay" in buttons["Pay now"] and f"invoices={final.pk},{late.pk}" in buttons["Pay now"].replace("&amp;", "&")
    click = rendering.click_address(message.key)  # signed with the time: the same up to the signature
    assert buttons["View your account"].rsplit(":", 2)[0] == click.rsplit(":", 2)[0]
    assert buttons["View your account"] in message.body  # the same link as the text part's
    assert 'style="' in message.html_body and "<style" not in message.html_body  # the CSS is inlined
    assert rendering.open_pixel_url(message.key).rsplit(":", 2)[0] in message.html_body  # the open pixel


def test_one_signature_in_both_parts(run_dunning, standard, customer):
    message, *_ = _reminder(run_dunning, customer)
    assert message.body.count("Alice Martin") == 1
    assert message.body.count("Kind regards") == 1
    assert message.html_body.count("Alice Martin") == 1
    assert message.html_body.count('class="signature"') == 1


def test_the_old_doubled_closing_is_said_once():
    body = "Dear {{ contact_name }},\n\nPlease pay.\n\nKind regards,\n{{ collector_name }}\n{{ collector_signature }}"
    assert rendering.closing_once(body) == "Dear {{ contact_name }},\n\nPlease pay.\n\n{{ sign_off }}"


def test_the_text_part_comes_from_the_same_content(run_dunning, standard, customer):
    message, *_ = _reminder(run_dunning, customer)
    text = message.body
    assert "<" not in text
    assert "36 days late — final notice" in text and "4 days late — first reminder" in text
    assert rendering.click_address(message.key).rsplit(":", 2)[0] in text
    assert "Total overdue: 1,734.56 USD" in text
    [sent] = mail.outbox
    assert sent.body == text


def test_branding_from_the_admin_shows_in_both_parts(run_dunning, standard, customer):
    Branding.objects.create(company_name="Northwind Supplies", primary_colour="#aa3300", accent_colour="#f4ece6",
                            postal_address="1 Harbour Road\nBristol BS1 4DJ",
                            legal_footer="Registered in England 123456", support_email="help@northwind.example")
    message, *_ = _reminder(run_dunning, customer)
    html = message.html_body
    assert "Northwind Supplies" in html and "#aa3300" in html and "Bristol BS1 4DJ" in html
    assert "Registered in England 123456" in html and "help@northwind.example" in html
    assert message.body.rstrip().endswith("Registered in England 123456")
    assert "1 Harbour Road" in message.body


def test_without_branding_the_company_name_comes_from_the_settings(settings):
    settings.COMPANY_NAME = ""
    settings.DEFAULT_FROM_EMAIL = "Globex Receivables <ar@globex.example>"
    assert Branding.current().company_name == "Globex Receivables"
    settings.COMPANY_NAME = "Globex Corporation"
    assert Branding.current().company_name == "Globex Corporation"


def test_a_name_with_markup_is_escaped(run_dunning, standard):
    customer = account()
    customer.contacts.update(name="<b>Evil</b> & Co")
    invoice(customer, due=D - timedelta(days=4))
    run_dunning(D)
    html = OutboundMessage.objects.get(customer=customer).html_body
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html


def test_the_logo_is_served_to_mail_programs_and_shown_in_the_header(client, run_dunning, standard, customer):
    assert client.get(reverse("email_logo")).status_code == 404  # none set
    png = io.BytesIO()
    Image.new("RGB", (40, 20), "#1f4e79").save(png, format="PNG")
    branding = Branding(company_name="Northwind Supplies")
    branding.logo.save("logo.png", ContentFile(png.getvalue()), save=True)
    served = client.get(reverse("email_logo"))
    assert served.status_code == 200 and b"".join(served.streaming_content) == png.getvalue()
    message, *_ = _reminder(run_dunning, customer)
    [logo] = re.findall(r'<img [^>]*alt="Northwind Supplies"[^>]*>', message.html_body)
    assert re.search(r'src="http://[^"]+/email/logo/\?v=\d+"', logo)


def test_branding_is_edited_in_the_admin_one_row(admin_client):
    assert admin_client.get(reverse("admin:reminders_branding_add")).status_code == 200
    response = admin_client.post(reverse("admin:reminders_branding_add"), {
        "company_name": "Northwind Supplies", "primary_colour": "teal", "accent_colour": "#e8eef5"})
    assert response.status_code == 200 and "A colour as #rrggbb" in response.content.decode()
    admin_client.post(reverse("admin:reminders_branding_add"), {
        "company_name": "Northwind Supplies", "primary_colour": "#008080", "accent_colour": "#e8eef5"})
    assert Branding.current().primary_colour == "#008080"
    assert admin_client.get(reverse("admin:reminders_branding_add")).status_code == 403  # one row only
