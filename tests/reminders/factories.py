"""Builders for the reminders tests: a dunning-ready account with an AP contact and invoices."""

from datetime import date, timedelta
from decimal import Decimal

from ledger.models import Contact
from reminders.models import DunningPolicy, DunningStep, MessageTemplate
from tests.factories import ContactFactory, CustomerFactory, InvoiceFactory, PortfolioFactory


def template(name="Reminder", subject="Reminder for {{ customer_name }}", body=None) -> MessageTemplate:
    body = body or "Dear {{ contact_name }},\n{{ invoice_table }}\nTotal {{ total_due }}\n{{ portal_link }}\n" \
                   "{{ collector_name }}\n{{ collector_signature }}"
    return MessageTemplate.objects.update_or_create(name=name, defaults={"subject": subject, "body": body})[0]


def policy(name="Test policy", segment="", is_default=False, steps=((-5, "email"), (3, "email"), (10, "email"),
                                                                  (20, "email"), (35, "email"), (40, "task"))):
    """A policy with the given (offset, action) steps; replaces any policy with that segment/default flag."""
    DunningPolicy.objects.filter(name=name).delete()
    if is_default:
        DunningPolicy.objects.filter(is_default=True).update(is_default=False)
    if segment:
        DunningPolicy.objects.filter(segment=segment).update(segment="")
    p = DunningPolicy.objects.create(name=name, segment=segment, is_default=is_default)
    tpl = template()
    for offset, action in steps:
        DunningStep.objects.create(policy=p, offset_days=offset, name=f"Step {offset:+d}", action=action,
                                   template=tpl if action == "email" else None)
    return p


def account(*, portfolio=None, segment="mid-market", email=True, **kwargs):
    portfolio = portfolio or PortfolioFactory()
    customer = CustomerFactory(portfolio=portfolio, segment=segment, **kwargs)
    if email:
        ContactFactory(customer=customer, role=Contact.Role.AP_CLERK, email=f"ap@{customer.external_id.lower()}.test")
    return customer


def invoice(customer, *, due: date, amount="1000.00", **kwargs):
    amount = Decimal(amount)
    return InvoiceFactory(customer=customer, issue_date=due - timedelta(days=30), due_date=due, amount=amount,
                          open_amount=amount, **kwargs)
