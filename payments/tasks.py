"""Celery entry points of payments: thin and idempotent.

The sandbox's delivery task lives with the sandbox (`providers/sandbox_delivery.py`); imported
here so that a worker registers it.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payments.models import PaymentRequest, SandboxSession
from payments.providers import sandbox
from payments.providers.sandbox_delivery import deliver

__all__ = ["deliver", "sandbox_tick"]


@shared_task
def sandbox_tick() -> dict:
    """What the sandbox's bank does as time passes, as Stripe would: checkouts left open past
    PAYMENTS_CHECKOUT_EXPIRES_MINUTES expire; SEPA and ACH debits pending for
    PAYMENTS_SANDBOX_CLEARING_SECONDS clear or fail (by their test IBAN). Bank transfers wait for
    someone to settle them. A request is re-announced at most once per clearing period."""
    if settings.PAYMENTS_PROVIDER != "sandbox" and not SandboxSession.objects.exists():
        return {"expired": 0, "cleared": 0}
    now = timezone.now()
    expired = cleared = 0
    stale = SandboxSession.objects.filter(
        mode=SandboxSession.Mode.PAYMENT, status=SandboxSession.Status.OPEN, request__status=PaymentRequest.Status.OPEN,
        created_at__lt=now - timedelta(minutes=settings.PAYMENTS_CHECKOUT_EXPIRES_MINUTES),
    ).select_related("request")
    for session in stale:
        with transaction.atomic():
            sandbox.expire(session)
        expired += 1
    clearing = SandboxSession.objects.filter(
        request__status=PaymentRequest.Status.PENDING, request__provider="sandbox",
        request__updated_at__lt=now - timedelta(seconds=settings.PAYMENTS_SANDBOX_CLEARING_SECONDS),
    ).select_related("request")
    for session in clearing:
        outcome = sandbox.clearing_outcome(session)
        if outcome is None:
            continue
        with transaction.atomic():
            request = session.request
            assert request is not None
            sandbox.settle(request, outcome)
            PaymentRequest.objects.filter(pk=request.pk).update(updated_at=now)
        cleared += 1
    return {"expired": expired, "cleared": cleared}
