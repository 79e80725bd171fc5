"""Customer names and ids are text in a PDF, never reportlab markup: no foreign link, no file of the
server opened, no crash on an unclosed tag, and no statement batch stopped by one such name."""

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from pypdf import PdfReader

from portal.pdf import invoice_copy_pdf as portal_invoice_pdf
from reminders.manual import invoice_copy_pdf
from reminders.models import Statement, StatementRun
from reminders.statements import pdf_text, statement_data, statement_pdf, statement_run
from tests.reminders.factories import account, invoice

pytestmark = pytest.mark.django_db
TODAY = date.today()
PORTAL = "https://workbench.test/portal/abc/?a=1&b=2"

NAMES = [
    '<link href="https://evil.test/pay">Acme — pay here</link>',
    "<b>Acme Unclosed",
    '<img src="/etc/passwd" width="10" height="10"/>Acme',
    "Smith & Sons <Ltd>",
]


def pdf_of(content: bytes) -> tuple[str, list[str]]:
    """(the text, the link targets) of a PDF."""
    reader = PdfReader(io.BytesIO(content))
    links = [a.get_object().get("/A", {}).get("/URI", "") for page in reader.pages
             for a in page.get("/Annots", []) or []]
    return "\n".join(page.extract_text() for page in reader.pages), links


def test_pdf_text_escapes_markup():
    assert pdf_text('<link href="x">&') == "&lt;link href=&quot;x&quot;&gt;&amp;"


@pytest.mark.parametrize("name", NAMES)
def test_a_statement_prints_the_name_as_typed_and_links_only_to_the_portal(name):
    customer = account(name=name)
    invoice(customer, due=TODAY - timedelta(days=5))

    text, links = pdf_of(statement_pdf(statement_data(customer, TODAY), PORTAL))

    assert name in " ".join(text.split())
    assert links == [PORTAL]


@pytest.mark.parametrize("name", NAMES)
def test_an_invoice_copy_prints_the_names_as_typed(name):
    customer = account(name=name)
    copy = invoice(customer, due=TODAY, external_id=f"INV-{name[:12]}")

    for content in (invoice_copy_pdf(copy), portal_invoice_pdf(copy)):
        text, links = pdf_of(content)
        assert copy.external_id in " ".join(text.split())
        assert links == []


def test_one_customer_with_markup_in_the_name_does_not_stop_the_statement_batch(django_capture_on_commit_callbacks):
    customers = [account() for _ in range(3)] + [account(name="<b>Unclosed & Co")]
    for customer in customers:
        invoice(customer, due=TODAY - timedelta(days=10))

    with django_capture_on_commit_callbacks(execute=True):
        statement_run(month=date(2026, 11, 1))

    assert Statement.objects.count() == 4 and len(mail.outbox) == 4
    assert StatementRun.objects.get().status == StatementRun.Status.DONE
