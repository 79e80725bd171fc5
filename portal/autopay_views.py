"""Autopay in the portal: the customer turns it on (card or direct debit, which day, the
authorization), is sent to the provider's page to save the method, comes back to a page that
waits for the provider's word, and can cancel it.

The mandate becomes active when the provider reports the saved method (payments' webhook, then
`method_saved`), not when the customer's browser comes back: the return page shows the mandate
as it stands and polls until it is on.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from autopay.forms import AutopaySetupForm
from autopay.models import Mandate
from autopay.selectors import autopay_states, mandate_of
from autopay.services import AutopayError, mandate_cancel, mandate_enrol
from core.web import is_partial
from payments.services import PaymentError
from portal.links import PortalLink
from portal.views import portal_view

MESSAGES = {
    "on": ("ok", _("Autopay is on. We will email you before each charge.")),
    "cancelled": ("ok", _("Autopay is cancelled: nothing more will be charged. We will send reminders as usual.")),
    "left": ("warn", _("You left the payment page before saving a payment method: autopay is not set up.")),
}


def _page_url(link: PortalLink, done: str = "") -> str:
    url = reverse("portal_autopay_setup", args=[link.token])
    return f"{url}?done={done}" if done else url


def _to(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if is_partial(request) else redirect(url)


def _page(request: HttpRequest, link: PortalLink, form: AutopaySetupForm, *, status: int = 200) -> HttpResponse:
    done = request.GET.get("done", "")
    notice = MESSAGES.get(done)
    if done and notice is None:
        notice = ("warn", _("This page was opened with an address we do not know; here is your autopay as it stands."))
    ctx = {"link": link, "form": form, "states": autopay_states(form.accounts), "notice": notice}
    if is_partial(request) and form.is_bound:
        return render(request, "portal/autopay.html#setup_form", ctx)
    return render(request, "portal/autopay.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@portal_view
def autopay_setup(request: HttpRequest, link: PortalLink) -> HttpResponse:
    """Autopay as it stands for each account of the link, and the form that turns it on (or moves
    it to a new card or bank account)."""
    form = AutopaySetupForm(request.POST or None, accounts=link.accounts, customer=link.customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _, provider_url = mandate_enrol(
                customer=data["account"], kind=data["kind"], charge_on=form.charge_on,
                authorization=form.accepted_text(), accepted_from=request.META.get("REMOTE_ADDR"),
                return_url=lambda mandate: request.build_absolute_uri(
                    reverse("portal_autopay_return", args=[link.token, mandate.pk])),
                cancel_url=request.build_absolute_uri(_page_url(link, "left")),
            )
        except (AutopayError, PaymentError) as error:
            form.add_error(None, error)
        else:
            return _to(request, provider_url)
    return _page(request, link, form, status=400 if form.is_bound else 200)


@require_GET
@portal_view
def autopay_return(request: HttpRequest, link: PortalLink, mandate_id: int) -> HttpResponse:
    """Back from the provider: on once the provider confirmed the method; until then a page that
    looks again every few seconds (and a link to look again without JavaScript)."""
    mandate = mandate_of(link.customer_ids, mandate_id)
    if mandate is None:
        return render(request, "portal/autopay_return.html", {"link": link, "missing": True}, status=404)
    if mandate.status in Mandate.LIVE:
        return _to(request, _page_url(link, "on"))
    ctx = {"link": link, "mandate": mandate}
    if is_partial(request):
        return render(request, "portal/autopay_return.html#status", ctx)
    return render(request, "portal/autopay_return.html", ctx)


@require_http_methods(["GET", "POST"])
@portal_view
def autopay_cancel(request: HttpRequest, link: PortalLink, mandate_id: int) -> HttpResponse:
    """Stop autopay: the page asks first; the post cancels it."""
    mandate = mandate_of(link.customer_ids, mandate_id)
    if mandate is None or mandate.status not in Mandate.LIVE:
        return render(request, "portal/autopay_cancel.html", {"link": link, "mandate": None}, status=404)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            try:
                mandate_cancel(mandate=mandate, reason="cancelled by the customer in the portal")
            except AutopayError as refused:
                error = " ".join(refused.messages)
            else:
                return _to(request, _page_url(link, "cancelled"))
        else:
            error = gettext("Tick the box to confirm that autopay should stop.")
    return render(request, "portal/autopay_cancel.html", {"link": link, "mandate": mandate, "error": error},
                  status=400 if error else 200)
