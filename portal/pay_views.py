"""The portal's pay pages: pick invoices and pay them online, then see what became of the payment.

A submitted form starts a checkout at the payment provider (`payments.services.checkout_start`)
and sends the customer there; the provider brings them back to the result page, which reads the
request's status (and, while the money is still on its way, asks again every few seconds). The
ledger only changes when the provider's webhook says the money arrived (payments.services).
"""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from core.money import ZERO
from payments.models import PaymentRequest
from payments.services import PaymentError, checkout_start
from portal.links import PortalLink
from portal.pay_forms import ORIGINS, PayForm, preselected
from portal.views import portal_view


class PortalHttpRequest(HttpRequest):
    """A request of the portal's pages (django-htmx is on)."""

    htmx: HtmxDetails


# Stripe replaces this in a success_url with the checkout session id; the sandbox does the same.
SESSION_PLACEHOLDER = "{CHECKOUT_SESSION_ID}"
POLL_SECONDS: dict[str, int] = {PaymentRequest.Status.OPEN: 3, PaymentRequest.Status.PENDING: 10}


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def result_url(link: PortalLink) -> str:
    """Where the provider sends the customer back: the result page of the checkout session."""
    path = reverse("portal_pay_result", args=[link.token, "SESSION"])
    head, _, tail = path.rpartition("SESSION")
    return _absolute(f"{head}{SESSION_PLACEHOLDER}{tail}")


def pay_page_url(link: PortalLink, invoice_ids: Iterable[int], origin: str) -> str:
    """The pay page with these invoices ticked: where a cancelled checkout or "Try again" goes."""
    query = f"?invoices={','.join(str(pk) for pk in invoice_ids)}&from={origin}" if origin in ORIGINS else ""
    return f"{reverse('portal_pay', args=[link.token])}{query}"


def requests_of(link: PortalLink) -> QuerySet[PaymentRequest]:
    return PaymentRequest.objects.filter(customer_id__in=link.customer_ids)


def request_for(link: PortalLink, ref: str) -> PaymentRequest:
    """The link's payment request named by its provider reference (what the provider puts in the
    return address) or its number, or 404: another customer's request is simply not found."""
    match = Q(provider_ref=ref) | (Q(pk=int(ref)) if ref.isdigit() else Q(pk__in=[]))
    found = (requests_of(link).filter(match).select_related("payment")
             .prefetch_related("lines__invoice").order_by("pk").first())
    if found is None:
        raise Http404("No such payment")
    return found


@require_http_methods(["GET", "POST"])
@portal_view
def pay(request: PortalHttpRequest, link: PortalLink) -> HttpResponse:
    """Pick invoices and pay them: in full, a part (oldest first) or an amount per invoice."""
    notes: list[str] = []
    initial = None
    if request.method == "GET":
        ticked, notes = preselected(link, request.GET, timezone.localdate())
        origin = request.GET.get("from", PaymentRequest.Origin.PORTAL)
        if origin not in ORIGINS:
            notes.append(gettext("“%(origin)s” is not a place a payment starts from; counted as the portal.")
                         % {"origin": origin})
            origin = PaymentRequest.Origin.PORTAL
        initial = {"invoices": ticked, "origin": origin}
    form = PayForm(request.POST or None, link=link, initial=initial)
    if request.method == "POST" and form.is_valid():
        origin = form.cleaned_data["origin"]
        cancel = _absolute(pay_page_url(link, [invoice.pk for invoice, _ in form.lines], origin))
        try:
            _, redirect_url = checkout_start(customer=link.customer, lines=form.lines, origin=origin,
                                             success_url=result_url(link), cancel_url=cancel,
                                             method=form.cleaned_data.get("method", ""))
        except PaymentError as error:
            form.add_error(None, error)
        else:
            return HttpResponseClientRedirect(redirect_url) if request.htmx else redirect(redirect_url)
    ctx = {"link": link, "form": form, "notes": notes, "today": timezone.localdate()}
    if request.htmx:  # the form with its errors, swapped in place
        return render(request, "portal/pay.html#form", ctx)
    return render(request, "portal/pay.html", ctx, status=400 if form.is_bound else 200)


@require_GET
@portal_view
def pay_result(request: PortalHttpRequest, link: PortalLink, ref: str) -> HttpResponse:
    """What became of a payment: paid, on its way, failed (try again), or paid with money left over."""
    payment_request = request_for(link, ref)
    lines = list(payment_request.lines.all())
    payment = payment_request.payment
    ctx = {
        "link": link, "pay_request": payment_request, "lines": lines,
        "left_over": payment.unapplied_amount if payment is not None and payment.unapplied_amount > ZERO else None,
        "poll_seconds": POLL_SECONDS.get(payment_request.status),
        "retry_url": pay_page_url(link, [line.invoice_id for line in lines], payment_request.origin),
    }
    if request.htmx:
        return render(request, "portal/pay_result.html#status", ctx)
    return render(request, "portal/pay_result.html", ctx)
