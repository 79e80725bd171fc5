"""Remittance advices: text read from a PDF (pypdf) or a CSV, the invoice numbers it names, and the
advice uploaded on a receipt's page feeding the matching of that receipt."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from cashapp.models import CashMatch, RemittanceAdvice
from cashapp.remittance import RemittanceError, remittance_read
from tests.cashapp.receipts import receipt
from tests.factories import CustomerFactory, InvoiceFactory, PortfolioFactory, collector

pytestmark = pytest.mark.django_db


def advice_pdf(*lines: str, encrypt: str = "") -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, encrypt=encrypt or None)
    y = 800
    for text in lines:
        pdf.drawString(60, y, text)
        y -= 18
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_pdf_advice_text_and_the_invoice_numbers_it_names():
    a, b = InvoiceFactory(external_id="INV0012345"), InvoiceFactory(external_id="INV0012346")
    data = advice_pdf("Zahlungsavis / Remittance advice — Müller GmbH", "Invoice INV0012345   1.200,00 EUR",
                      "Invoice INV 0012346   300,00 EUR", "Invoice INV0099999 (not ours)", "Page 1 of 1")

    advice = remittance_read(data, "avis.pdf")

    assert advice.content_type == "application/pdf"
    assert "Müller GmbH" in advice.text and "INV0012345" in advice.text
    assert advice.invoice_refs == [a.external_id, b.external_id]


def test_csv_advice_with_semicolons_and_windows_encoding():
    invoice = InvoiceFactory(external_id="INV0077001")
    data = "Rechnung;Betrag;Kunde\nINV0077001;450,00;Société Générale\n".encode("cp1252")

    advice = remittance_read(data, "advice.csv")

    assert advice.content_type == "text/csv"
    assert "Société Générale" in advice.text and advice.invoice_refs == [invoice.external_id]


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "empty.csv", "is empty"),
    (b"not a pdf at all", "fake.pdf", "is named .pdf but is not a PDF"),
    (b"%PDF-1.4\n garbage", "broken.pdf", "is not a readable PDF"),
])
def test_an_unreadable_advice_is_refused_with_a_reason(data, name, message):
    with pytest.raises(RemittanceError, match=message):
        remittance_read(data, name)


def test_a_password_protected_pdf_is_refused():
    with pytest.raises(RemittanceError, match="protected by a password"):
        remittance_read(advice_pdf("INV0012345", encrypt="secret"), "locked.pdf")


def test_advice_uploaded_on_a_receipt_is_kept_and_the_receipt_matched_again(client, ledger_balances):
    me = collector("rem_col")
    customer = CustomerFactory(portfolio=PortfolioFactory(collector=me), name="Advice Corp")
    first = InvoiceFactory(customer=customer, external_id="INV0055001", amount=Decimal("700.00"))
    second = InvoiceFactory(customer=customer, external_id="INV0055002", amount=Decimal("300.00"))
    match = receipt(customer=None, amount="1000.00", payer="ADVICE CORP", text="PAYMENT")
    client.force_login(me)

    response = client.post(reverse("cash_remittance", args=[match.pk]), {
        "file": SimpleUploadedFile("advice.pdf", advice_pdf("INV0055001 700.00", "INV0055002 300.00"),
                                   content_type="application/pdf")}, follow=True)

    advice = RemittanceAdvice.objects.get()
    assert advice.line == match.line and advice.invoice_refs == ["INV0055001", "INV0055002"]
    page = response.content.decode()
    assert "advice.pdf attached (INV0055001, INV0055002)" in page and "<code>INV0055001</code>" in page
    match.refresh_from_db()
    assert match.status != CashMatch.Status.UNMATCHED  # the advice named the invoices: now a candidate, or applied
    assert match.customer == customer
    assert {invoice_id for invoice_id, _ in match.candidates[0]["invoices"]} == {first.pk, second.pk}
    ledger_balances()


def test_an_unreadable_advice_is_named_on_the_receipt_page(client):
    me = collector("rem_col2")
    match = receipt(customer=None, amount="10.00")
    client.force_login(me)
    response = client.post(reverse("cash_remittance", args=[match.pk]),
                           {"file": SimpleUploadedFile("advice.pdf", b"hello", content_type="application/pdf")})
    assert response.status_code == 422
    errors = response.content.decode().split('id="remittance"')[1]
    assert 'class="errorlist' in errors and "advice.pdf" in errors
    assert not RemittanceAdvice.objects.exists()
