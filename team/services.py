"""What the manager keeps about the team: targets, help requests, one-on-ones and the Monday digest."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from core.money import Amount
from ledger.models import Customer
from portfolios.models import Portfolio
from reporting.cache import figures_changed
from team.models import HelpRequest, MonthlyTarget, OneOnOne, WeeklyDigest
from team.one_on_one import one_on_one_summary
from team.selectors import collectors_managed_by


def monthly_target_set(
    *, month: date, amount: Amount, by: User, collector: User | None = None, portfolio: Portfolio | None = None,
) -> MonthlyTarget:
    """A manager sets how much cash a collector (or a portfolio) should bring in during a month;
    setting it again for the same month replaces the figure and records who changed it."""
    if (collector is None) == (portfolio is None):
        raise ValidationError("A target is for one collector or one portfolio.")
    amount = Decimal(amount)
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError("A target is a positive amount with at most two decimals.")
    with transaction.atomic():
        target, _ = MonthlyTarget.objects.update_or_create(
            collector=collector, portfolio=portfolio, month=month.replace(day=1),
            defaults={"amount": amount, "set_by": by, "set_at": timezone.now()},
        )
        figures_changed()  # the dashboard's kept targets and gaps are obsolete once this commits
    return target


def help_request_raise(*, customer: Customer, by: User, message: str) -> HelpRequest:
    """A collector flags an account they need help with; it shows under "help needed" in their next
    one-on-one until the manager resolves it."""
    message = message.strip()
    if not message:
        raise ValidationError("Say what you need help with.")
    with transaction.atomic():
        return HelpRequest.objects.create(customer=customer, raised_by=by, message=message)


def help_request_resolve(*, help_request: HelpRequest, by: User, resolution: str = "") -> HelpRequest:
    """The manager closes a help-needed flag, saying what was done."""
    with transaction.atomic():
        help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
        if help_request.status != HelpRequest.Status.RESOLVED:
            help_request.status = HelpRequest.Status.RESOLVED
            help_request.resolved_at = timezone.now()
            help_request.resolved_by = by
            help_request.resolution = resolution.strip()
            help_request.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    return help_request


def one_on_one_save(
    *, collector: User, week_start: date, notes: str, action_items: str, by: User, summary: dict[str, Any],
) -> OneOnOne:
    """The manager records the week's one-on-one: notes and action items, kept with the summary as it
    stood when they met. One record per collector per week; saving again updates that week's record."""
    if week_start.weekday() != 0:
        raise ValidationError("A one-on-one week starts on a Monday.")
    with transaction.atomic():
        record, _ = OneOnOne.objects.update_or_create(
            collector=collector, week_start=week_start,
            defaults={"notes": notes.strip(), "action_items": action_items.strip(), "saved_by": by,
                      "summary": summary},
        )
    return record


def weekly_digest_send(*, manager: User, week_start: date) -> WeeklyDigest | None:
    """Email a manager the week's one-on-one summaries of their collectors, at most once per manager
    per week: the digest row is claimed first (unique per manager and week) and a failed send gives
    the claim back so that a retry can send it. Returns None when this week's digest was already
    claimed, or when the manager has no email address or no collector."""
    collectors = list(collectors_managed_by(manager))
    if not manager.email or not collectors:
        return None
    try:
        with transaction.atomic():
            digest = WeeklyDigest.objects.create(manager=manager, week_start=week_start, collectors=len(collectors))
    except IntegrityError:
        return None
    try:
        context = {
            "manager": manager, "week_start": week_start, "week_end": week_start + timedelta(days=6),
            "summaries": [(c, one_on_one_summary(collector=c, week_start=week_start)) for c in collectors],
            "site_url": settings.SITE_URL,
        }
        subject = f"One-on-ones: week of {date_format(week_start)}"  # the locale's date, as on every page
        message = EmailMultiAlternatives(
            subject, render_to_string("portfolios/email/weekly_digest.txt", context), to=[manager.email]
        )
        message.attach_alternative(render_to_string("portfolios/email/weekly_digest.html", context), "text/html")
        message.send()
    except Exception:
        WeeklyDigest.objects.filter(pk=digest.pk, sent_at__isnull=True).delete()
        raise
    WeeklyDigest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
    digest.refresh_from_db()
    return digest
