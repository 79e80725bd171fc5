"""Remittance advices: the PDF or CSV a customer sends to say what a payment pays.

The bank's remittance field holds 140 characters; the advice lists every invoice. Its text is read
here (pypdf for a PDF, the rows of a CSV), the invoice numbers it names are picked out for the
person reading it, and `cashapp.services.remittance_add` keeps the advice on the receipt it
explains; a receipt still waiting for a decision is then matched again, the engine reading the
advice's text beside the bank's own (and forgiving typos there).
"""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from cashapp.matching.references import references_in
from ledger.models import Invoice

MAX_BYTES = 10 * 2**20
MAX_TEXT = 200_000  # characters kept: an advice of thousands of invoices still fits, a hostile file does not
MAX_PAGES = 200
MAX_LOOKUP = 900  # tokens looked up among the invoice numbers (below SQLite's parameter limit)


class RemittanceError(ValidationError):
    """The file cannot be read as a remittance advice; the message says why, for the person who uploaded it."""


@dataclass(frozen=True)
class AdviceText:
    text: str
    invoice_refs: list[str]  # invoice numbers on the ledger that the advice names as issued
    content_type: str  # what the file was read as: application/pdf, text/csv


def invoice_numbers_named(text: str) -> list[str]:
    """The invoice numbers on the ledger that `text` names as issued (spacing and case aside), for
    the person reading the advice. The matching reads the whole text and forgives typos itself."""
    tokens = {token for ref in references_in([("remittance advice", text)]) for token in (ref.compact, ref.written)}
    return sorted(Invoice.objects.filter(external_id__in=sorted(tokens)[:MAX_LOOKUP])
                  .values_list("external_id", flat=True))


def _pdf_text(data: bytes, filename: str) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise RemittanceError(f"{filename} is protected by a password: ask the customer for an open copy.")
        if len(reader.pages) > MAX_PAGES:
            raise RemittanceError(f"{filename} has {len(reader.pages)} pages; an advice has at most {MAX_PAGES}.")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except PyPdfError as error:
        raise RemittanceError(f"{filename} is not a readable PDF ({error}).") from error
    if not text.strip():
        raise RemittanceError(f"{filename} has no text to read (a scanned image?): type the invoice numbers "
                              f"into the decision instead.")
    return text


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # every byte is a character: never fails


def _csv_text(data: bytes, filename: str) -> str:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as error:
        raise RemittanceError(f"{filename} is not a readable CSV file ({error}).") from error
    rows = [row for row in rows if any(row)]
    if not rows:
        raise RemittanceError(f"{filename} has no rows.")
    return "\n".join(" | ".join(row) for row in rows)


def remittance_read(data: bytes, filename: str) -> AdviceText:
    """The text of an advice and the invoice numbers it names. A PDF is known by its content
    (%PDF-), not its name; anything else is read as CSV (or plain text, one "row" a line)."""
    if not data.strip():
        raise RemittanceError(f"{filename} is empty.")
    if len(data) > MAX_BYTES:
        raise RemittanceError(f"{filename} is {len(data) / 2**20:.1f} MB; an advice is at most "
                              f"{MAX_BYTES // 2**20} MB.")
    if data.lstrip()[:5] == b"%PDF-":
        text, content_type = _pdf_text(data, filename), "application/pdf"
    elif filename.lower().endswith(".pdf"):
        raise RemittanceError(f"{filename} is named .pdf but is not a PDF file.")
    else:
        text, content_type = _csv_text(data, filename), "text/csv"
    text = text[:MAX_TEXT]
    return AdviceText(text=text, invoice_refs=invoice_numbers_named(text), content_type=content_type)
