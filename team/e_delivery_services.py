"""Writes of e-delivery: switching an account between email and paper, fixing its AP email, and
the managers' coverage goals."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.generations import accounts_changed
from ledger.models import Contact, Customer
from portfolios.models import Team
from team.models import EDeliveryGoal
from work.models import Activity
from work.services import activity_log


def _valid_ap_contacts(customer: Customer):
    return Contact.objects.filter(customer=customer, role=Contact.Role.AP_CLERK, active=True,
                                  email_bounced_at__isnull=True).exclude(email="")


def customer_e_delivery_set(
    *, customer: Customer, by, e_delivery: bool | None = None, ap_email: str = "",
) -> Customer:
    """Move an account between paper and email, and/or give it a working AP email.

    A new AP email goes on the account's AP-clerk contact (the first active one; a new "Accounts
    payable" contact when it has none) and clears its bounce: the collector has checked the address.
    E-delivery can be switched on only when the account has an AP email that has not bounced
    (given here or already on file); switching to paper is always allowed (the customer asked).
    Each change is a note on the account's timeline."""
    ap_email = (ap_email or "").strip()
    if ap_email:
        try:
            validate_email(ap_email)
        except ValidationError:
            raise ValidationError(f"“{ap_email}” is not an email address.") from None
    notes = []
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if ap_email:
            contact = (Contact.objects.select_for_update().filter(customer=locked, role=Contact.Role.AP_CLERK,
                                                                  active=True)
                       .order_by("email_bounced_at", "-is_primary", "pk").first())
            if contact is None:
                contact = Contact.objects.create(customer=locked, name="Accounts payable", role=Contact.Role.AP_CLERK,
                                                 email=ap_email, is_primary=not locked.contacts.exists())
                notes.append(f"AP email added: {ap_email}")
            else:
                old = contact.email or "none"
                contact.email, contact.email_bounced_at = ap_email, None
                contact.save(update_fields=["email", "email_bounced_at"])
                notes.append(f"AP email for {contact.name} set to {ap_email} (was {old})")
        if e_delivery is not None and e_delivery != locked.e_delivery:
            if e_delivery and not _valid_ap_contacts(locked).exists():
                raise ValidationError("Add an AP email that works before switching the account to e-delivery.")
            Customer.objects.filter(pk=locked.pk).update(e_delivery=e_delivery, updated_at=timezone.now())
            accounts_changed()  # the page's kept coverage and worklist are obsolete once this commits
            notes.append("Switched to e-delivery (email)" if e_delivery else "Switched to paper (by post)")
        if not notes:
            raise ValidationError("Nothing to change.")
        activity_log(customer=locked, kind=Activity.Kind.NOTE, by=by, subject="E-delivery: " + "; ".join(notes))
    customer.e_delivery = locked.e_delivery if e_delivery is None else e_delivery
    return customer


def e_delivery_goal_set(
    *, team: Team | None, starts_on: date, ends_on: date, baseline_share: Decimal, target_share: Decimal,
    by, note: str = "",
) -> EDeliveryGoal:
    """A manager's e-delivery goal for a team (or the whole book): from the share of customers
    covered on `starts_on` to `target_share` by `ends_on`. Goals are kept; a new one for the same
    scope simply becomes the current one."""
    if ends_on <= starts_on:
        raise ValidationError("The goal must end after it starts.")
    if not (0 <= baseline_share <= 1 and 0 <= target_share <= 1):
        raise ValidationError("Shares are between 0 and 100 %.")
    if target_share <= baseline_share:
        raise ValidationError("The target must be above today's share.")
    with transaction.atomic():
        return EDeliveryGoal.objects.create(
            team=team, starts_on=starts_on, ends_on=ends_on, baseline_share=baseline_share.quantize(Decimal("0.0001")),
            target_share=target_share.quantize(Decimal("0.0001")), note=note, set_by=by,
        )
