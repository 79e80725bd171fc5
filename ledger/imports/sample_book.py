"""A synthetic ERP export of any size, for measuring the import (the README's figure) and testing it.

Deterministic for a seed: one customer for every 25 invoices (account families of ten), a year of
invoices, 60% of them paid (a third of those in part), each payment one row against its invoice,
and a credit note against one invoice in fifty.
"""

import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from ledger.imports.validation import COLUMNS, FILE_NAMES

COLLECTORS = ("alice", "bob", "chen", "dana", "elena", "farid")


def write_sample_book(folder: Path, *, invoices: int, seed: int = 7, collectors=COLLECTORS) -> dict[str, Path]:
    """Write customers.csv, invoices.csv, payments.csv and credit_notes.csv into `folder`; returns
    kind → path, ready for `import_files(**paths)`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(seed)
    customers = max(invoices // 25, 1)
    paths = {kind: folder / name for kind, name in FILE_NAMES.items()}
    writers, files = {}, []
    for kind, path in paths.items():
        handle = path.open("w", newline="", encoding="utf-8")
        files.append(handle)
        writers[kind] = csv.writer(handle)
        writers[kind].writerow(COLUMNS[kind])
    try:
        for n in range(customers):
            parent = f"C{n - n % 10:06d}" if n % 10 else ""
            writers["customers"].writerow([f"C{n:06d}", f"Customer {n}", parent, f"ap{n}@example.com", "", 30,
                                           "50000.00", "USD", ("smb", "mid-market", "enterprise")[n % 3],
                                           collectors[n % len(collectors)] if collectors else ""])
        start = date(2025, 11, 1)
        for n in range(invoices):
            customer = f"C{n % customers:06d}"
            issued = start + timedelta(days=rnd.randrange(365))
            amount = Decimal(rnd.randrange(10000, 500000)) / 100
            writers["invoices"].writerow([f"INV{n:07d}", customer, issued, issued + timedelta(days=30), amount,
                                          "USD", f"PO{n}"])
            if n % 5 < 3:
                paid = amount if n % 5 < 2 else (amount / 2).quantize(Decimal("0.01"))
                writers["payments"].writerow([f"PAY{n:07d}", customer, issued + timedelta(days=rnd.randrange(10, 60)),
                                              paid, "USD", f"INV{n:07d}"])
            elif n % 50 == 4:
                writers["credits"].writerow([f"CN{n:07d}", customer, issued + timedelta(days=5),
                                             (amount / 10).quantize(Decimal("0.01")), "USD", f"INV{n:07d}"])
    finally:
        for handle in files:
            handle.close()
    if invoices < 5:  # no payment or credit note row in so small a book: leave those files out
        for kind in ("payments", "credits"):
            paths.pop(kind).unlink()
    return paths
