"""A month of bank statements for the demo book, to try the cash application with.

Written from the book's own open invoices (`banking.generate`): the cash that arrived at the
bank and is not on the ledger yet, so importing these files and applying them is meaningful.
The first half of the month is a camt.053 file, the second an MT940 file, as a company with
two banks (or a bank that moved to ISO 20022 mid-month) would get them. Each invoice is paid at
most once across both files; the lines mix clean references, typos, no reference, one payment
for several invoices, short payments, unknown payers, bank fees and supplier debits.
"""

from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone

from banking.generate import MIX, camt053_write, lines_plan, mt940_write
from ledger.models import Invoice

# About one open invoice in eight is paid in the month, between these bounds.
LINES_MIN, LINES_MAX = 40, 600


def bank_statements_write(out_dir: Path | str, *, days: int = 30, seed: int = 42, on: date | None = None) -> list[Path]:
    """Write the month's statement files into `out_dir` and return their paths (none when the
    book has no open invoice)."""
    on = on or timezone.localdate()
    open_invoices = Invoice.objects.filter(status=Invoice.Status.OPEN,
                                           document_type=Invoice.DocumentType.INVOICE).count()
    if not open_invoices:
        return []
    n_lines = max(LINES_MIN, min(LINES_MAX, open_invoices // 8))
    lines = lines_plan(None, n_lines, MIX, seed=seed, on=on, days=days)
    split = on - timedelta(days=days // 2)
    first = [line for line in lines if line.booking_date <= split]
    second = [line for line in lines if line.booking_date > split]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for part, writer, suffix in ((first, camt053_write, "camt053.xml"), (second, mt940_write, "mt940.sta")):
        if not part:
            continue
        path = out / f"bank-{part[0].booking_date:%Y%m%d}-{part[-1].booking_date:%Y%m%d}.{suffix}"
        path.write_bytes(writer(part))
        written.append(path)
    return written
