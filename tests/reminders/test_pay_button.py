"""Every reminder and statement carries a Pay link to exactly the invoices it lists; the link opens
the portal's pay page with those invoices ticked."""

import importlib
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from pypdf import PdfReader

from reminders import rendering
from reminders.models import DunningPolicy, MessageTemplate, OutboundMessage
from reminders.statements import statement_issue
from tests.reminders.factories import account, invoice, policy, template

pytestmark = pytest.mark.django_db
D = date(2026, 10, 20)
TODAY = date.today()
pay_button = importlib.import_module("reminders.migrations.0010_pay_button")


def pay_links(text: str) -> list[str]:
    return [url for url in re.findall(r"https?://\S+", text) if "/pay/" in url]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.fixture
def pay_policy():
    DunningPolicy.objects.all().delete()
    p = policy(name="Standard", is_default=True)
    template(body="Dear {{ contact_name }},\n{{ invoice_table }}\n{% if pay_url %}Pay: {{ pay_url }}\n{% endif %}"
                  "{{ portal_link }}\n{{ sign_off }}")
    return p


def test_a_reminder_pays_exactly_the_invoices_it_lists(client, pay_policy, run_dunning):
    customer = account()
    a = invoice(customer, due=D - timedelta(days=3))
    b = invoice(customer, due=D - timedelta(days=12))
    later = invoice(customer, due=D + timedelta(days=20))
    run_dunning(D)
    [link] = pay_links(mail.outbox[0].body)
    assert link.startswith(settings.SITE_URL)
    assert query(link) == {"invoices": [",".join(str(i.pk) for i in (b, a))], "from": ["email"]}

    response = client.get(link.removeprefix(settings.SITE_URL))
    assert response.status_code == 200
    ticked = {inv.pk for inv, _, on in response.context["form"].rows if on}
    assert ticked == {a.pk, b.pk} and later.pk not in ticked


def test_the_pay_link_survives_the_recheck_at_send_time_with_the_same_token():
    customer = account()
    a = invoice(customer, due=D - timedelta(days=3))
    lines = rendering.lines_for([a], D)
    first = rendering.context_for(customer=customer, contact=None, lines=lines, key="k:1")["pay_url"]
    again = rendering.context_for(customer=customer, contact=None, lines=lines, key="k:1")["pay_url"]
    assert first == again, "the pay link is signed with the link minted with the message"


def test_a_message_that_lists_nothing_has_no_pay_link():
    customer = account()
    ctx = rendering.context_for(customer=customer, contact=None, lines=[])
    assert ctx["pay_url"] == ""
    assert "Pay:" not in rendering.render_text("{% if pay_url %}Pay: {{ pay_url }}{% endif %}", ctx)


def test_the_statement_email_and_pdf_carry_a_pay_link_for_the_open_items(client, django_capture_on_commit_callbacks):
    head = account()
    child = account(parent=head, email=False)
    own, theirs = invoice(head, due=TODAY - timedelta(days=5)), invoice(child, due=TODAY + timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_issue(customer=head, month=TODAY.replace(day=1))
    body = statement.message.body
    [link] = pay_links(body)
    assert query(link) == {"invoices": [f"{own.pk},{theirs.pk}"], "from": ["statement"]}
    response = client.get(link.removeprefix(settings.SITE_URL))
    assert {inv.pk for inv, _, on in response.context["form"].rows if on} == {own.pk, theirs.pk}

    reader = PdfReader(statement.pdf.open("rb"))
    uris = [a.get_object()["/A"]["/URI"] for page in reader.pages for a in page.get("/Annots", [])]
    [pdf_link] = [uri for uri in uris if "/pay/" in uri]
    assert query(pdf_link)["invoices"] == [f"{own.pk},{theirs.pk}"]
    assert "Pay the open items online" in "".join(page.extract_text() for page in reader.pages)


def test_the_stock_templates_carry_the_pay_line():
    for name in ("Reminder", "Friendly heads-up", "Final notice", "Monthly statement",
                 "Payment plan: installment missed"):
        body = MessageTemplate.objects.get(name=name).body
        assert "{% if pay_url %}" in body and body.index("pay_url") < body.index("{{ portal_link }}"), name
    assert "pay_url" not in MessageTemplate.objects.get(name="Invoice copy").body


def test_the_pay_line_goes_before_the_portal_link_else_the_closing_else_nowhere():
    line = pay_button.LINES["dunning"]
    assert pay_button.with_pay_line("Hi\n\nSee {{ portal_link }}\n\n{{ sign_off }}", line) == (
        f"Hi\n\n{line}See {{{{ portal_link }}}}\n\n{{{{ sign_off }}}}")
    assert pay_button.with_pay_line("Hi\n\n{{ sign_off }}", line) == f"Hi\n\n{line}{{{{ sign_off }}}}"
    assert pay_button.with_pay_line("Hi, pay us.", line) is None


def test_a_dunning_pass_renders_the_stock_reminder_with_its_pay_link(run_dunning):
    DunningPolicy.objects.exclude(is_default=True).delete()
    customer = account(segment="")
    a = invoice(customer, due=D - timedelta(days=4))
    run_dunning(D)
    message = OutboundMessage.objects.get(kind=OutboundMessage.Kind.DUNNING)
    [link] = pay_links(message.body)
    assert "Pay these invoices online now:" in message.body
    assert query(link)["invoices"] == [str(a.pk)]
