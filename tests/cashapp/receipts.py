"""Bank receipts for the cash application page tests: a statement line and its CashMatch, built
directly (the import and the matching engine have their own tests)."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from django.utils import timezone

from banking.models import BankAccount, BankLine, BankStatement, StatementFile
from cashapp.models import CashMatch
from ledger.models import Customer, Invoice

_numbers = count(1)


def statement(filename: str = "statement.xml") -> BankStatement:
    n = next(_numbers)
    account, _ = BankAccount.objects.get_or_create(account_number="DE89370400440532013000",
                                                   defaults={"iban": "DE89370400440532013000", "currency": "USD",
                                                             "name": "Operating account"})
    file = StatementFile.objects.create(sha256=hashlib.sha256(f"{filename}{n}".encode()).hexdigest(),
                                        filename=filename, format="camt053", content=b"<Document/>",
                                        status=StatementFile.Status.DONE, progress=100,
                                        finished_at=timezone.now())
    return BankStatement.objects.create(file=file, account=account, statement_id=f"STMT-{n}", currency="USD",
                                        from_date=timezone.localdate(), to_date=timezone.localdate())


def receipt_line(*, amount: str | Decimal, payer: str = "ACME GMBH", text: str = "", on: date | None = None,
                 of: BankStatement | None = None, counterparty_account: str = "") -> BankLine:
    of = of or statement()
    on = on or timezone.localdate() - timedelta(days=1)
    n = next(_numbers)
    return BankLine.objects.create(
        statement=of, account=of.account, entry_reference=f"E2E-{n:06d}", booking_date=on, value_date=on,
        amount=Decimal(amount), direction=BankLine.Direction.CREDIT, currency="USD", counterparty_name=payer,
        counterparty_account=counterparty_account or f"DE{n:020d}", remittance_text=text,
        kind=BankLine.Kind.RECEIPT,
    )


def receipt(*, customer: Customer | None, invoices: list[Invoice] = (), amount: str | Decimal | None = None,
            status: str = CashMatch.Status.TO_REVIEW, confidence: str = "72.00", reasons=None,
            line: BankLine | None = None, **line_kwargs) -> CashMatch:
    """A receipt waiting in the worklist, its best candidate `customer` paying `invoices` in full
    (no candidate when customer is None: unmatched)."""
    invoices = list(invoices)
    if amount is None:
        amount = sum((i.open_amount for i in invoices), Decimal("0.00")) or Decimal("100.00")
    line_kwargs.setdefault("text", " ".join(i.external_id for i in invoices))
    line = line or receipt_line(amount=amount, **line_kwargs)
    reasons = reasons if reasons is not None else (
        [f"{invoices[0].external_id} in the remittance text", "amount equal"] if invoices else [])
    candidates = [{"customer": customer.pk, "invoices": [[i.pk, str(i.open_amount)] for i in invoices],
                   "confidence": float(confidence), "reasons": reasons}] if customer else []
    return CashMatch.objects.create(line=line, status=status if customer else CashMatch.Status.UNMATCHED,
                                    customer=customer, confidence=Decimal(confidence) if customer else 0,
                                    reasons=reasons, candidates=candidates)


def role_table_kwargs(side: dict) -> dict:
    """tests/portfolios/test_role_table.py: the cash URLs name a receipt of the side's customer (one
    per customer, made on first use in the test's transaction)."""
    customer = side["customer"]
    match = CashMatch.objects.filter(customer=customer, line__remittance_text="role table").first()
    if match is None:
        match = receipt(customer=customer, amount="50.00", line=receipt_line(amount="50.00", text="role table"))
    names = ("cash_line", "cash_confirm", "cash_split", "cash_assign", "cash_park", "cash_undo", "cash_remittance")
    return {name: {"pk": match.pk} for name in names}
