"""A copy of an invoice as a one-page PDF, from what the ledger knows about it, in the language of
the portal page it is downloaded from (portal.language)."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from ledger.models import Invoice
from portal.language import day, money
from portal.wording import named
from reminders.languages import printable


def invoice_copy_pdf(invoice: Invoice) -> bytes:
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    # A late-payment fee or interest charge is titled as what it is, with the invoice it is charged on.
    title = named("document_type", invoice.document_type if invoice.is_charge else Invoice.DocumentType.INVOICE)
    pdf.setTitle(gettext("%(document)s %(invoice)s (copy)") % {"document": title, "invoice": invoice.external_id})
    width, height = A4
    left, y = 20 * mm, height - 25 * mm

    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(left, y, f"{title} {invoice.external_id}")
    pdf.setFont("Helvetica", 9)
    printed = gettext("Copy printed %(date)s") % {"date": day(timezone.localdate())}
    pdf.drawRightString(width - left, y, printable(printed))
    y -= 14 * mm

    customer = invoice.customer
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawString(left, y, gettext("Bill to"))
    pdf.setFont("Helvetica", 11)
    pdf.drawString(left, y - 6 * mm, customer.name)
    pdf.drawString(left, y - 12 * mm, gettext("Customer id %(id)s") % {"id": customer.external_id})
    y -= 26 * mm

    rows = [
        (gettext("Issue date"), day(invoice.issue_date)),
        (gettext("Due date"), day(invoice.due_date)),
        *([(gettext("Charged on invoice"), invoice.charge_for.external_id)] if invoice.is_charge else []),
        (gettext("PO number"), invoice.po_number or "—"),
        (gettext("Amount"), money(invoice.amount, invoice.currency)),
        (gettext("Paid or credited"), money(invoice.amount - invoice.open_amount, invoice.currency)),
        (gettext("Open"), money(invoice.open_amount, invoice.currency)),
        (gettext("Status"), named("invoice_status", invoice.status)),
    ]
    for label, value in rows:
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(left, y, label)
        pdf.setFont("Helvetica", 11)
        pdf.drawRightString(width - left, y, printable(value))
        y -= 8 * mm
    pdf.setFont("Helvetica-Oblique", 9)
    pdf.drawString(left, 20 * mm, gettext("This is a copy for your records. Please quote the invoice number with "
                                          "your payment."))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
