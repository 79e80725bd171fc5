"""Who receives our mail: the one rule for every message to a customer.

Reminders (dunning steps, missed plan installments, invoice copies) go to an active, unbounced
AP clerk with an email first, else the primary contact, else any contact with an email.
Statements go to the AP clerk who receives statements. A paper customer (e-delivery off) gets no
email at all: its collector gets the hand-over task, and its statement is listed for printing.
"""

from collections.abc import Iterable

from ledger.models import Contact, Customer


def dunning_recipients(customer_ids: Iterable[int]) -> dict[int, Contact]:
    """The contact each customer's reminders go to: an active, not bounced AP clerk with an email
    first, else the primary contact, else any contact with an email. A paper customer (e-delivery
    off) gets none: like an account with no email, its collector gets the hand-over task."""
    preference: dict[str, int] = {Contact.Role.AP_CLERK: 0}
    chosen: dict[int, Contact] = {}
    contacts = (Contact.objects.filter(customer_id__in=list(customer_ids), active=True, email_bounced_at__isnull=True,
                                       customer__e_delivery=True)
                .exclude(email=""))
    for contact in sorted(contacts, key=lambda c: (preference.get(c.role, 1), not c.is_primary, c.pk)):
        chosen.setdefault(contact.customer_id, contact)
    return chosen


def statement_recipient(customer: Customer) -> Contact | None:
    """The AP clerk the statement is emailed to; none for a paper customer (e-delivery off), whose
    statement is issued all the same and listed for printing (`statements_to_print`)."""
    if not customer.e_delivery:
        return None
    return (Contact.objects.filter(customer=customer, role=Contact.Role.AP_CLERK, receives_statements=True,
                                   active=True, email_bounced_at__isnull=True).exclude(email="")
            .order_by("-is_primary", "pk").first())
