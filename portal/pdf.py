"""A copy of an invoice as a one-page PDF, from what the ledger knows about it."""

from io import BytesIO

from django.utils import timezone
from django.utils.formats import date_format
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from ledger.models import Invoice


def invoice_copy_pdf(invoice: Invoice) -> bytes:
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    # A late-payment fee or interest charge is titled as what it is, with the invoice it is charged on.
    title = invoice.get_document_type_display() if invoice.is_charge else "Invoice"
    pdf.setTitle(f"{title} {invoice.external_id} (copy)")
    width, height = A4
    left, y = 20 * mm, height - 25 * mm

    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(left, y, f"{title} {invoice.external_id}")
    pdf.setFont("Helvetica", 9)
    pdf.drawRightString(width - left, y, f"Copy printed {date_format(timezone.localdate())}")
    y -= 14 * mm

    customer = invoice.customer
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawString(left, y, "Bill to")
    pdf.setFont("Helvetica", 11)
    pdf.drawString(left, y - 6 * mm, customer.name)
    pdf.drawString(left, y - 12 * mm, f"Customer id {customer.external_id}")
    y -= 26 * mm

    rows = [
        ("Issue date", f"{date_format(invoice.issue_date)}"),
        ("Due date", f"{date_format(invoice.due_date)}"),
        *([("Charged on invoice", invoice.charge_for.external_id)] if invoice.is_charge else []),
        ("PO number", invoice.po_number or "—"),
        ("Amount", f"{invoice.currency} {invoice.amount:,}"),
        ("Paid or credited", f"{invoice.currency} {invoice.amount - invoice.open_amount:,}"),
        ("Open", f"{invoice.currency} {invoice.open_amount:,}"),
        ("Status", invoice.get_status_display()),
    ]
    for label, value in rows:
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(left, y, label)
        pdf.setFont("Helvetica", 11)
        pdf.drawRightString(width - left, y, value)
        y -= 8 * mm
    pdf.setFont("Helvetica-Oblique", 9)
    pdf.drawString(left, 20 * mm, "This is a copy for your records. Please quote the invoice number with your payment.")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
