"""Move a sandbox payment along by hand: a pending transfer arrives or fails, a refund, a chargeback."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from payments import services
from payments.models import PaymentRequest
from payments.providers import sandbox

S = PaymentRequest.Status


class Command(BaseCommand):
    help = ("Send the sandbox event that settles (succeeded), fails, refunds or charges back a sandbox payment. "
            "<ref> is the checkout or payment intent reference, ONL-<id> or the request id.")

    def add_arguments(self, parser):
        parser.add_argument("ref")
        parser.add_argument("outcome", choices=["succeeded", "failed", "refund", "dispute"])
        parser.add_argument("--amount", help="For a refund: the amount (default: all not refunded yet).")

    def handle(self, *args, ref: str, outcome: str, amount: str | None, **options):
        number = ref.removeprefix("ONL-")
        match = Q(provider_ref=ref) | Q(payment_intent_ref=ref) | (Q(pk=int(number)) if number.isdigit() else Q())
        request = PaymentRequest.objects.filter(match, provider="sandbox").first()
        if request is None:
            raise CommandError(f"No sandbox payment {ref!r}.")
        if outcome == "refund":
            try:
                value = Decimal(amount) if amount else None
                services.request_refund(request=request, amount=value, by=None)
            except (InvalidOperation, ValidationError) as error:
                raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        elif outcome == "dispute":
            if request.status not in (S.SUCCEEDED, S.PARTIALLY_REFUNDED):
                raise CommandError(f"Only a succeeded payment can be charged back; this one is {request.status}.")
            with transaction.atomic():
                sandbox.dispute(request)
        else:
            if request.status != S.PENDING:
                raise CommandError(f"Only a pending payment settles; this one is {request.status}.")
            with transaction.atomic():
                sandbox.settle(request, outcome)
        request.refresh_from_db()
        self.stdout.write(f"{request.external_id}: {request.get_status_display()}")
