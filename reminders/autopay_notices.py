"""Autopay's emails to the customer, through the outbox: the announcement before a charge and the
notice of a charge that failed. (The receipt of a charge that succeeded is the receipt every
online payment gets: reminders.payment_notices.)

- Announcement: AUTOPAY_NOTICE_DAYS before the day, one email per mandate and day names every
  invoice collected that day and the total ("we will collect 4,200.00 EUR on Dec. 15, 2026"). Key
  `autopay-notice:<mandate>:<charge date>`: told once, whatever runs the pass.
- Failure: once per failed charge, key `autopay-failed:<charge key>`: the invoice is open again,
  reminders resume, here is how to pay or change the method.

The pass asks what is due up to now and not yet done (charges scheduled within the notice period,
failures not yet told), so a missed run loses nothing; it runs every few minutes from beat.
"""

import logging
from datetime import date
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from autopay import services as autopay_services
from autopay.models import AutopayCharge, Mandate
from autopay.selectors import Announcement, announcements_due, failures_untold
from ledger.models import Contact, Customer
from reminders import languages, rendering
from reminders.models import OutboundMessage
from reminders.outbox import message_queue
from reminders.recipients import dunning_recipients
from work.models import QueueTask
from work.services import queue_task_raise

log = logging.getLogger(__name__)

# The outbox kind of autopay announcements and failure notices.
KIND = OutboundMessage.Kind.AUTOPAY


def notice_key(mandate_id: int, charge_date: date) -> str:
    return f"autopay-notice:{mandate_id}:{charge_date.isoformat()}"


def failure_key(charge: AutopayCharge) -> str:
    return f"autopay-failed:{charge.key}"


def autopay_page_url(key: str, customer: Customer) -> str:
    """The portal's autopay page (to change the method or cancel), on the link minted with the message."""
    token = rendering.tracked_link_issue(key=key, customer=customer).portal_token
    return f"{settings.SITE_URL}{reverse('portal_autopay_setup', args=[token])}"


def _charges_table(charges: list[AutopayCharge], language: str, country: str) -> str:
    heads = (gettext("Invoice"), gettext("Due date"), gettext("Amount"))
    rows = [f"{heads[0]:<16}{heads[1]:<14}{heads[2]:>20}"]
    for charge in charges:
        rows.append(f"{charge.invoice.external_id:<16}{date_format(charge.invoice.due_date, 'SHORT_DATE_FORMAT'):<14}"
                    f"{rendering.money(charge.amount, charge.currency, language, country):>20}")
    return "\n".join(rows)


def _totals(charges: list[AutopayCharge], language: str, country: str) -> str:
    by_currency: dict[str, Decimal] = {}
    for charge in charges:
        by_currency[charge.currency] = by_currency.get(charge.currency, Decimal("0.00")) + charge.amount
    return " + ".join(rendering.money(amount, currency, language, country)
                      for currency, amount in sorted(by_currency.items()))


def notice_language(customer: Customer, contact: Contact) -> str:
    """Autopay's emails are written in the recipient's language (reminders.languages)."""
    return languages.layout_language(languages.wanted_language(customer, contact))


def announcement_text(announcement: Announcement, ctx: dict) -> tuple[str, str]:
    """The announcement, in the context's language (call inside translation.override of it)."""
    mandate, charges = announcement.mandate, announcement.charges
    assert mandate.method is not None, "an active mandate has its method"
    language, country = ctx["language"], getattr(mandate.customer, "country", "") or ""
    day, total = date_format(announcement.charge_date), _totals(charges, language, country)
    subject = gettext("Autopay: we will collect %(total)s on %(day)s") % {"total": total, "day": day}
    body = "\n\n".join([
        gettext("Dear %(name)s,") % {"name": ctx["contact_name"]},
        gettext("On %(day)s we will collect %(total)s from %(method)s for %(account)s, as you set up with autopay:")
        % {"day": day, "total": total, "method": mandate.method.label, "account": mandate.customer.name},
        _charges_table(charges, language, country),
        gettext("There is nothing for you to do: you will get a receipt once the payment is through. If one of "
                "these invoices is wrong, dispute it in the portal before %(day)s and we will leave it out.")
        % {"day": day},
        gettext("To change the payment method or stop autopay: %(link)s") % {
            "link": autopay_page_url(ctx["key"], mandate.customer)},
        ctx["sign_off"],
    ]) + "\n"
    return subject, body


def _recipient(customer: Customer) -> Contact | None:
    return dunning_recipients([customer.pk]).get(customer.pk)


def announcement_send(announcement: Announcement) -> OutboundMessage | None:
    """Queue one announcement and mark its charges announced, together; or, when the customer has
    no email for reminders, tell the collector (once) that the charge goes unannounced."""
    mandate = announcement.mandate
    customer, key = mandate.customer, notice_key(mandate.pk, announcement.charge_date)
    contact = _recipient(customer)
    if contact is None:
        queue_task_raise(
            customer=customer, kind=QueueTask.Kind.MANUAL, key=f"{key}:no-contact",
            title=f"Autopay charge on {date_format(announcement.charge_date)} cannot be announced",
            detail="The account has no email address for reminders (or is on paper), so the customer is not told "
                   "before autopay collects. Call them, or add an accounts-payable contact.")
        return None
    language = notice_language(customer, contact)
    ctx = {**rendering.context_for(customer=customer, contact=contact, lines=[], key=key, language=language),
           "key": key}
    with translation.override(language):
        subject, body = announcement_text(announcement, ctx)
        made = rendering.message_parts(subject, body, ctx)  # --- html ---
    with transaction.atomic():
        message, _ = message_queue(customer=customer, kind=KIND, key=key, contact=contact, subject=subject,
                                   body=made.body, invoices=[c.invoice for c in announcement.charges],
                                   html_body=made.html_body, language=made.language)
        autopay_services.charges_announced(charge_ids=[c.pk for c in announcement.charges])
    return message


def failure_text(charge: AutopayCharge, ctx: dict) -> tuple[str, str]:
    """The failed-charge notice, in the context's language (call inside translation.override of it)."""
    invoice, mandate = charge.invoice, charge.mandate
    language, country = ctx["language"], getattr(mandate.customer, "country", "") or ""
    amount = rendering.money(charge.amount, charge.currency, language, country)
    method = mandate.method.label if mandate.method else gettext("your saved payment method")
    pay = [gettext("Pay it online now: %(link)s") % {"link": ctx["pay_url"]}] if ctx["pay_url"] else []
    body = "\n\n".join([
        gettext("Dear %(name)s,") % {"name": ctx["contact_name"]},
        gettext("Autopay could not collect %(amount)s for invoice %(invoice)s on %(day)s from %(method)s: "
                "%(reason)s. Nothing was taken.") % {
            "amount": amount, "invoice": invoice.external_id, "day": date_format(charge.charge_date),
            "method": method, "reason": charge.failure_reason},
        gettext("The invoice is still open (%(amount)s), and our usual reminders for it resume.") % {
            "amount": rendering.money(invoice.open_amount, invoice.currency, language, country)},
        *pay,
        gettext("To update the payment method autopay uses: %(link)s") % {
            "link": autopay_page_url(ctx["key"], mandate.customer)},
        ctx["sign_off"],
    ]) + "\n"
    subject = gettext("Autopay could not collect %(amount)s (%(invoice)s)") % {
        "amount": amount, "invoice": invoice.external_id}
    return subject, body


def failure_notice_send(charge: AutopayCharge) -> OutboundMessage | None:
    """Queue the failure email of one charge (once), or note on the collector's task that the
    customer could not be emailed."""
    customer = charge.mandate.customer
    contact = _recipient(customer)
    with transaction.atomic():
        if not autopay_services.charge_failure_told(charge=charge):
            return None  # another pass told it
        if contact is None:
            QueueTask.objects.filter(key=failure_key(charge)).update(
                detail=f"{charge.failure_reason}. The customer could not be emailed: no address for reminders.")
            return None
        key = failure_key(charge)
        language = notice_language(customer, contact)
        ctx = {**rendering.context_for(customer=customer, contact=contact, key=key, language=language,
                                       lines=rendering.lines_for([charge.invoice], timezone.localdate())), "key": key}
        with translation.override(language):
            subject, body = failure_text(charge, ctx)
            made = rendering.message_parts(subject, body, ctx)  # --- html ---
        message, _ = message_queue(customer=customer, kind=KIND, key=key, contact=contact, subject=subject,
                                   body=made.body, invoices=[charge.invoice], html_body=made.html_body,
                                   language=made.language)
    return message


def autopay_notices(*, on: date | None = None) -> dict[str, int]:
    """Every announcement due up to now and every failure not yet told. One customer's message
    that cannot be made is logged and retried next pass; the others go on."""
    on = on or timezone.localdate()
    sent = {"announced": 0, "failures_told": 0}
    for announcement in announcements_due(on=on, notice_days=settings.AUTOPAY_NOTICE_DAYS):
        if announcement.mandate.status != Mandate.Status.ACTIVE:
            continue
        try:
            sent["announced"] += announcement_send(announcement) is not None
        except Exception:  # noqa: BLE001 - this customer's announcement only; retried next pass
            log.exception("autopay: announcement %s not made", notice_key(announcement.mandate.pk,
                                                                          announcement.charge_date))
    for charge in failures_untold():
        try:
            sent["failures_told"] += failure_notice_send(charge) is not None
        except Exception:  # noqa: BLE001 - this charge's notice only; retried next pass
            log.exception("autopay: failure notice of %s not made", charge.key)
    return sent


@shared_task(name="reminders.autopay_notices.autopay_notices_send", acks_late=True, soft_time_limit=240,
             time_limit=300)
def autopay_notices_send(on: str | None = None) -> dict[str, int]:
    return autopay_notices(on=date.fromisoformat(on) if on else None)
