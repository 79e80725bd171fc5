"""Writes of autopay: enrolment, pause/resume/cancel, and the life of each charge.

A charge moves scheduled → announced → charging → succeeded | failed, or to skipped when it is
no longer wanted (the invoice was paid or disputed meanwhile, autopay was paused or cancelled).
Every move is a conditional UPDATE on the state it leaves (or a row locked with
select_for_update), so two beat runs, a retried task and two workers move a charge once; and the
payment itself is asked for with the charge's key, which `payments` charges at most once.
"""

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from autopay import schedule
from autopay.models import Actor, AutopayCharge, Mandate
from ledger.models import Customer, Invoice
from payments.models import PaymentRequest, SavedMethod
from payments.selectors import invoices_payment_pending
from payments.services import charge_saved_method, setup_start
from work.models import Activity, QueueTask
from work.plans.models import PaymentPlan
from work.selectors import invoice_disputed
from work.services import activity_log, queue_task_raise

log = logging.getLogger(__name__)

# A failed charge is the collector's follow-up, on the queue as an autopay task.
FAILURE_TASK_KIND = QueueTask.Kind.AUTOPAY


class AutopayError(ValidationError):
    """An autopay action that cannot be done; the message is for the user."""


def notice_days() -> int:
    return settings.AUTOPAY_NOTICE_DAYS


# --- Enrolment -----------------------------------------------------------------------------------------------

def mandate_enrol(
    *, customer: Customer, kind: str, charge_on: int | None, authorization: str, accepted_from: str | None,
    return_url: Callable[[Mandate], str], cancel_url: str,
) -> tuple[Mandate, str]:
    """The customer accepted the authorization in the portal: a mandate waits in `setup` while they
    save the method at the provider, whose page we send them to (the returned URL). The mandate
    becomes active when the provider reports the saved method (`mandate_activate`)."""
    if charge_on is not None and not 1 <= charge_on <= 28:
        raise AutopayError("Choose a day between the 1st and the 28th of the month.")
    with transaction.atomic():
        mandate = Mandate.objects.create(
            customer=customer, kind=kind, charge_on=charge_on, authorization=authorization,
            accepted_at=timezone.now(), accepted_from=accepted_from or None, created_via=Actor.CUSTOMER,
        )
        redirect_url = setup_start(customer=customer, kinds=[kind], success_url=return_url(mandate),
                                   cancel_url=cancel_url)
    return mandate, redirect_url


def mandate_activate(*, method: SavedMethod, customer: Customer) -> Mandate | None:
    """The provider saved the customer's method (the `method_saved` signal): the customer's latest
    mandate in setup for that kind of method becomes active with it, replacing the mandate they had
    (its waiting charges move to the new one at the next plan), and its charges are planned now.
    A method saved without an autopay setup (or reported twice) changes nothing."""
    with transaction.atomic():
        mandates = list(Mandate.objects.select_for_update().filter(customer=customer).exclude(
            status=Mandate.Status.CANCELLED).order_by("-created_at", "-pk"))
        if any(m.method_id == method.pk and m.status in Mandate.LIVE for m in mandates):
            return next(m for m in mandates if m.method_id == method.pk)
        since = timezone.now() - timedelta(hours=settings.AUTOPAY_SETUP_HOURS)
        waiting = [m for m in mandates if m.status == Mandate.Status.SETUP and m.kind == method.kind
                   and m.created_at >= since]
        if not waiting:
            return None
        mandate, now = waiting[0], timezone.now()
        for old in mandates:
            if old.pk == mandate.pk:
                continue
            reason = (gettext_noop("replaced by a new payment method") if old.status in Mandate.LIVE
                      else gettext_noop("a newer setup finished"))
            _end(old, via=Actor.SYSTEM, by=None, reason=reason)
        Mandate.objects.filter(pk=mandate.pk).update(status=Mandate.Status.ACTIVE, method=method, activated_at=now)
        mandate.refresh_from_db()
        activity_log(customer=customer, kind=Activity.Kind.SYSTEM, subject="Autopay set up in the portal",
                     notes=f"{method.label}, {mandate.schedule_label}.")
        charges_plan(mandate_ids=[mandate.pk])
    return mandate


def _end(mandate: Mandate, *, via: str, by: User | None, reason: str) -> None:
    """Cancel a mandate and skip its waiting charges (the caller holds the transaction)."""
    Mandate.objects.filter(pk=mandate.pk).update(status=Mandate.Status.CANCELLED, cancelled_at=timezone.now(),
                                                 cancelled_via=via, cancelled_by=by, cancel_reason=reason[:200])
    _skip_waiting(mandate, f"autopay cancelled: {reason}")


def _skip_waiting(mandate: Mandate, reason: str) -> int:
    return AutopayCharge.objects.filter(mandate=mandate, status__in=AutopayCharge.WAITING).update(
        status=AutopayCharge.Status.SKIPPED, skip_reason=reason[:200])


def _locked(mandate: Mandate) -> Mandate:
    return Mandate.objects.select_for_update(of=("self",)).select_related("method", "customer").get(pk=mandate.pk)


def mandate_cancel(*, mandate: Mandate, by: User | None = None, reason: str = "") -> Mandate:
    """The customer (in the portal, `by` None) or a collector stops autopay: nothing more is
    charged; charges already with the provider finish; the invoices go back to normal dunning."""
    with transaction.atomic():
        mandate = _locked(mandate)
        if mandate.status == Mandate.Status.CANCELLED:
            raise AutopayError(gettext("Autopay is already cancelled."))
        via = Actor.COLLECTOR if by else Actor.CUSTOMER
        _end(mandate, via=via, by=by, reason=reason or ("cancelled by the customer" if not by else "cancelled"))
        activity_log(customer=mandate.customer, kind=Activity.Kind.SYSTEM, by=by,
                     subject=f"Autopay cancelled {'in the portal' if not by else 'by the collector'}",
                     notes=reason or (mandate.method.label if mandate.method else ""))
        mandate.refresh_from_db()
    return mandate


def mandate_pause(*, mandate: Mandate, reason: str, by: User) -> Mandate:
    """A collector (of the account) or a manager pauses autopay, with a reason: no charge is made
    or planned while it is paused, and the invoices are reminded as usual."""
    reason = (reason or "").strip()
    if not reason:
        raise AutopayError("Say why autopay is paused.")
    with transaction.atomic():
        mandate = _locked(mandate)
        if mandate.status != Mandate.Status.ACTIVE:
            state = mandate.get_status_display().lower()
            raise AutopayError(f"Only active autopay can be paused (this one is {state}).")
        Mandate.objects.filter(pk=mandate.pk).update(status=Mandate.Status.PAUSED, paused_at=timezone.now(),
                                                     paused_by=by, pause_reason=reason[:200])
        skipped = _skip_waiting(mandate, "autopay paused")
        activity_log(customer=mandate.customer, kind=Activity.Kind.SYSTEM, by=by, subject="Autopay paused",
                     notes=f"{reason} ({skipped} planned charge{'s' if skipped != 1 else ''} not made).")
        mandate.refresh_from_db()
    return mandate


def mandate_resume(*, mandate: Mandate, by: User) -> Mandate:
    """Autopay runs again: the open invoices are planned now, each no sooner than the notice period."""
    with transaction.atomic():
        mandate = _locked(mandate)
        if mandate.status != Mandate.Status.PAUSED:
            raise AutopayError("Only paused autopay can be resumed.")
        if mandate.method is None or mandate.method.status != SavedMethod.Status.ACTIVE:
            raise AutopayError("The payment method was revoked: the customer sets up autopay again in the portal.")
        Mandate.objects.filter(pk=mandate.pk).update(status=Mandate.Status.ACTIVE, paused_at=None, paused_by=None,
                                                     pause_reason="")
        activity_log(customer=mandate.customer, kind=Activity.Kind.SYSTEM, by=by, subject="Autopay resumed")
        charges_plan(mandate_ids=[mandate.pk])
        mandate.refresh_from_db()
    return mandate


def setups_expire(*, now: datetime | None = None) -> int:
    """Setups the customer left at the provider's page are given up after AUTOPAY_SETUP_HOURS."""
    now = now or timezone.now()
    return Mandate.objects.filter(status=Mandate.Status.SETUP,
                                  created_at__lt=now - timedelta(hours=settings.AUTOPAY_SETUP_HOURS)).update(
        status=Mandate.Status.CANCELLED, cancelled_at=now, cancelled_via=Actor.SYSTEM,
        cancel_reason=gettext_noop("the payment method was never saved"))


# --- Planning ------------------------------------------------------------------------------------------------

def _plannable(mandates: QuerySet[Mandate]) -> list[dict[str, Any]]:
    """Open invoices of customers with active autopay (`mandates`) that have no charge to come,
    none that succeeded (a refunded or charged-back payment is not taken again) and none that
    failed on this mandate (a failure goes back to dunning); not disputed, not in a payment plan on
    track (the plan's installments are the agreement). One row per invoice, with its mandate's id and day."""
    active = mandates.filter(customer=OuterRef("customer_id"))
    blocking = AutopayCharge.objects.filter(invoice=OuterRef("pk")).filter(
        Q(status__in=AutopayCharge.LIVE) | Q(status=AutopayCharge.Status.SUCCEEDED)
        | Q(status=AutopayCharge.Status.FAILED, mandate_id=OuterRef("mandate_id")))
    planned = PaymentPlan.objects.filter(invoices=OuterRef("pk"), status=PaymentPlan.Status.ACTIVE)
    return list(
        Invoice.objects.filter(customer_id__in=mandates.values("customer_id"), status=Invoice.Status.OPEN,
                               open_amount__gt=0)
        .annotate(mandate_id=Subquery(active.values("pk")[:1]), charge_on=Subquery(active.values("charge_on")[:1]))
        .exclude(Exists(blocking)).exclude(invoice_disputed()).exclude(Exists(planned))
        .order_by("customer_id", "due_date", "pk")
        .values("pk", "due_date", "open_amount", "currency", "mandate_id", "charge_on")
    )


def charges_plan(*, on: date | None = None, mandate_ids: list[int] | None = None) -> int:
    """Every open invoice of a customer with active autopay gets a charge on its date: its due
    date or the customer's day of the month on or after it, never sooner than AUTOPAY_NOTICE_DAYS
    from today (so the announcement always comes first), and never on a day whose announcement
    already went out. Safe to run twice and from two workers (unique key, one live charge per
    invoice). Returns how many charges were planned."""
    on = on or timezone.localdate()
    mandates = Mandate.objects.filter(status=Mandate.Status.ACTIVE)
    if mandate_ids is not None:
        mandates = mandates.filter(pk__in=mandate_ids)
    invoices = _plannable(mandates)
    if not invoices:
        return 0
    announced: dict[int, set[date]] = {}
    for mandate_id, day in AutopayCharge.objects.filter(
            mandate_id__in={i["mandate_id"] for i in invoices}, announced_at__isnull=False,
            charge_date__gte=on).values_list("mandate_id", "charge_date"):
        announced.setdefault(mandate_id, set()).add(day)
    earliest = on + timedelta(days=notice_days())
    rows = [AutopayCharge(mandate_id=i["mandate_id"], invoice_id=i["pk"], amount=i["open_amount"],
                          currency=i["currency"], charge_date=(day := schedule.charge_date(
                              due=i["due_date"], charge_on=i["charge_on"], earliest=earliest,
                              taken=announced.get(i["mandate_id"], set()))),
                          key=AutopayCharge.key_for(i["pk"], day)) for i in invoices]
    with transaction.atomic():
        # A charge skipped earlier (autopay paused, then resumed) keeps its key: it is planned again.
        revived = AutopayCharge.objects.filter(key__in=[r.key for r in rows], status=AutopayCharge.Status.SKIPPED)
        again = {c.key: c for c in revived}
        for row in rows:
            if row.key in again:
                AutopayCharge.objects.filter(pk=again[row.key].pk, status=AutopayCharge.Status.SKIPPED).update(
                    status=AutopayCharge.Status.SCHEDULED, mandate_id=row.mandate_id, amount=row.amount,
                    announced_at=None, skip_reason="")
        fresh = [r for r in rows if r.key not in again]
        # Another pass that planned the same invoice meanwhile wins: its row stays, this one is dropped.
        AutopayCharge.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(rows)


# --- Collecting ----------------------------------------------------------------------------------------------

def charges_due(*, on: date | None = None) -> list[int]:
    """Charges whose day has come (or passed: a missed day is caught up) and that nobody took yet."""
    on = on or timezone.localdate()
    return list(AutopayCharge.objects.filter(status__in=AutopayCharge.WAITING, charge_date__lte=on,
                                             mandate__status=Mandate.Status.ACTIVE).values_list("pk", flat=True))


def _why_not_charged(charge: AutopayCharge) -> str:
    """Why a charge whose day has come must not be made ("" when it must)."""
    invoice, mandate = charge.invoice, charge.mandate
    if mandate.status != Mandate.Status.ACTIVE:
        return f"autopay is {mandate.get_status_display().lower()}"
    if mandate.method is None or mandate.method.status != SavedMethod.Status.ACTIVE:
        return "the payment method was revoked"
    if invoice.status != Invoice.Status.OPEN or invoice.open_amount <= 0:
        return "the invoice was paid meanwhile"
    if Invoice.objects.filter(pk=invoice.pk).filter(invoice_disputed()).exists():
        return "the invoice is disputed"
    if invoices_payment_pending().filter(pk=invoice.pk).exists():
        return "a payment for the invoice is already on its way"
    return ""


def _claim(charge_id: int, on: date) -> AutopayCharge | None:
    """Take a due charge: it moves to `charging` (or `skipped`) under a row lock, so a second
    worker, a retried task or a second beat run finds nothing to do."""
    with transaction.atomic():
        charge = (AutopayCharge.objects.select_for_update(skip_locked=True, of=("self",))
                  .select_related("mandate__method", "invoice")
                  .filter(pk=charge_id, status__in=AutopayCharge.WAITING, charge_date__lte=on).first())
        if charge is None:
            return None
        reason = _why_not_charged(charge)
        if reason:
            AutopayCharge.objects.filter(pk=charge.pk).update(status=AutopayCharge.Status.SKIPPED,
                                                             skip_reason=reason)
            return None
        # Never more than announced, never more than is open now.
        charge.amount = min(charge.amount, charge.invoice.open_amount)
        charge.status, charge.charging_since = AutopayCharge.Status.CHARGING, timezone.now()
        AutopayCharge.objects.filter(pk=charge.pk).update(status=charge.status, amount=charge.amount,
                                                         charging_since=charge.charging_since)
    return charge


def charge_collect(*, charge_id: int, on: date | None = None) -> AutopayCharge | None:
    """Collect one due charge, once: claim it, ask the provider with the charge's key, record the
    answer. The money is posted by payments when the provider confirms it (its signal settles the
    charge); a charge the provider refuses at once fails here."""
    charge = _claim(charge_id, on or timezone.localdate())
    if charge is None:
        return None
    return _charge_ask(charge)


def _charge_ask(charge: AutopayCharge) -> AutopayCharge:
    method = charge.mandate.method
    assert method is not None, "an active mandate has its method (a constraint)"
    try:
        request = charge_saved_method(customer=charge.mandate.customer, method=method,
                                      lines=[(charge.invoice, charge.amount)], key=charge.key)
    except ValidationError as error:  # payments refused to start it (currency, method, amount): a failure
        charge_failed(charge=charge, reason=" ".join(error.messages))
    else:
        charge_answered(request=request)
    charge.refresh_from_db()
    return charge


def charges_stuck_retry(*, now: datetime | None = None) -> int:
    """A worker that claimed a charge and died before recording the provider's answer left it
    `charging` with no request (or the provider could not be reached): after
    AUTOPAY_CHARGING_RETRY_MINUTES it is asked again with the same key, which payments (and the
    provider) answer with the first attempt's result, never a second charge."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=settings.AUTOPAY_CHARGING_RETRY_MINUTES)
    asked = 0
    # No request recorded, or one the provider never took (it was unreachable): ask again.
    unanswered = Q(request__isnull=True) | Q(request__status=PaymentRequest.Status.OPEN, request__provider_ref="")
    for charge in (AutopayCharge.objects.filter(unanswered, status=AutopayCharge.Status.CHARGING,
                                                charging_since__lt=stale)
                   .select_related("mandate__method", "mandate__customer", "invoice")):
        # One asker per stale charge: the conditional update is the claim.
        if AutopayCharge.objects.filter(pk=charge.pk, charging_since=charge.charging_since,
                                        status=AutopayCharge.Status.CHARGING).update(charging_since=now):
            _charge_ask(charge)
            asked += 1
    return asked


# --- What the provider said (payments' signals) --------------------------------------------------------------

def _charge_for(request: PaymentRequest) -> AutopayCharge | None:
    if request.origin != PaymentRequest.Origin.AUTOPAY:
        return None
    return AutopayCharge.objects.select_related("mandate__customer", "invoice").filter(key=request.key).first()


def charge_answered(*, request: PaymentRequest) -> AutopayCharge | None:
    """Record the provider's answer on the charge it was asked for (whatever order the answer and
    the signals come in): succeeded once the money is posted, failed when refused; still clearing
    (a direct debit) it stays `charging` and keeps the invoice out of dunning."""
    charge = _charge_for(request)
    if charge is None:
        return None
    AutopayCharge.objects.filter(pk=charge.pk, request__isnull=True).update(request=request)
    if request.status == PaymentRequest.Status.SUCCEEDED and request.payment_id:
        return charge_succeeded(request=request)
    if request.status in (PaymentRequest.Status.FAILED, PaymentRequest.Status.EXPIRED,
                          PaymentRequest.Status.CANCELLED):
        return charge_failed(charge=charge, reason=request.failure_reason or request.get_status_display(),
                             request=request)
    return charge


def charge_succeeded(*, request: PaymentRequest) -> AutopayCharge | None:
    """payment_succeeded: the money is on the ledger (payments posted it); the receipt is the
    payments receipt every online payment gets."""
    charge = _charge_for(request)
    if charge is None:
        return None
    AutopayCharge.objects.filter(pk=charge.pk, status=AutopayCharge.Status.CHARGING).update(
        status=AutopayCharge.Status.SUCCEEDED, request=request, settled_at=timezone.now(), failure_reason="")
    charge.refresh_from_db()
    return charge


def charge_failed(*, charge: AutopayCharge | None = None, request: PaymentRequest | None = None,
                  reason: str = "") -> AutopayCharge | None:
    """The charge did not go through (declined, insufficient funds, a debit returned): dunning
    resumes for the invoice (it is no longer covered), the account's collector gets a task, and
    the customer an email (reminders.autopay_notices). Once, whichever signal or answer says it."""
    charge = charge or (_charge_for(request) if request else None)
    if charge is None:
        return None
    reason = (reason or (request.failure_reason if request else "") or "the payment was declined")[:300]
    with transaction.atomic():
        moved = AutopayCharge.objects.filter(pk=charge.pk, status=AutopayCharge.Status.CHARGING).update(
            status=AutopayCharge.Status.FAILED, failure_reason=reason, settled_at=timezone.now(),
            **({"request": request} if request else {}))
        if moved:
            invoice, customer = charge.invoice, charge.mandate.customer
            what = f"{invoice.external_id} {charge.currency} {charge.amount:,}"
            queue_task_raise(
                customer=customer, kind=FAILURE_TASK_KIND, key=f"autopay-failed:{charge.key}",
                title=f"Autopay charge failed: {what}"[:200],
                detail=(f"Autopay could not collect {what} on {date_format(charge.charge_date)}: {reason}. "
                        "Reminders for the invoice resume; the customer is emailed. Ask them to pay or to "
                        "update their payment method in the portal."))
            activity_log(customer=customer, kind=Activity.Kind.SYSTEM, invoices=[invoice],
                         subject=f"Autopay charge failed: {what}", notes=reason)
    charge.refresh_from_db()
    return charge


def charges_announced(*, charge_ids: list[int]) -> int:
    """The announcement of these charges is in the outbox (reminders.autopay_notices)."""
    return AutopayCharge.objects.filter(pk__in=charge_ids, status=AutopayCharge.Status.SCHEDULED).update(
        status=AutopayCharge.Status.ANNOUNCED, announced_at=timezone.now())


def charge_failure_told(*, charge: AutopayCharge) -> bool:
    """The failure email of this charge is in the outbox (or cannot be sent, and its task says so)."""
    return bool(AutopayCharge.objects.filter(pk=charge.pk, failure_told_at__isnull=True).update(
        failure_told_at=timezone.now()))
