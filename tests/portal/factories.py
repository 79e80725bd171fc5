"""Accounts with something to show in the portal."""

from datetime import date, timedelta
from decimal import Decimal

from ledger.services import credit_note_issue, invoice_issue
from tests.factories import CustomerFactory, PortfolioFactory


def account(*, invoices=3, portfolio=None, parent=None, amount=Decimal("1000.00"), today=None, **kwargs):
    """A customer in a collector's portfolio with `invoices` open invoices, the first one past due."""
    today = today or date.today()
    customer = CustomerFactory(portfolio=portfolio or PortfolioFactory(), parent=parent, **kwargs)
    for n in range(invoices):
        issue = today - timedelta(days=45 - n * 20)
        invoice_issue(customer=customer, external_id=f"{customer.external_id}-I{n}", issue_date=issue,
                      due_date=issue + timedelta(days=30), amount=amount + n, currency="USD")
    return customer


def credit(customer, amount=Decimal("150.00"), external_id=None):
    return credit_note_issue(customer=customer, external_id=external_id or f"{customer.external_id}-CN",
                             issue_date=date.today(), amount=amount, currency="USD")
