"""The customer portal: pages behind a signed link, no login.

Every view takes the token from the URL and gets a checked `PortalLink` from `portal_view`; a bad
link renders a clear page with no data (403 tampered, 410 expired or revoked). Objects are looked
up inside the link's accounts only, so another customer's id answers 404.
"""

from functools import wraps

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from portal import services
from portal.forms import (
    ApContactForm,
    AutopayForm,
    CreditApplyForm,
    DisputeForm,
    FeedbackForm,
    PortalPlanForm,
    PromiseForm,
)
from portal.language import customer_language, error_language, money
from portal.links import PortalLinkError, portal_link_check
from portal.models import PortalRequest
from portal.pdf import invoice_copy_pdf
from portal.selectors import credit_for, invoice_for, portal_overview
from portal.statements import latest_statement, latest_statement_pdf
from portal.throttle import portal_post_allowed
from reminders.selectors import dunning_policy_for
from work.plans.models import PaymentPlan
from work.plans.services import plan_create


def portal_view(view):
    """Check the link (and the POST rate) before the view sees anything."""

    @wraps(view)
    def wrapped(request, token, *args, **kwargs):
        try:
            link = portal_link_check(token)
        except PortalLinkError as error:
            language = error_language(request, error.customer_id)
            with translation.override(language):
                response = render(request, "portal/link_error.html", {"error": error}, status=error.status)
            response["Content-Language"] = language
        else:
            with customer_language(link.customer) as language:  # --- windows --- (portal.language)
                if request.method == "POST" and not portal_post_allowed(customer_id=link.customer.pk):
                    response = render(request, "portal/throttled.html", {"link": link}, status=429)
                else:
                    response = view(request, link, *args, **kwargs)
            response["Content-Language"] = language
        # The token is a password in the URL: never leak it in a Referer to another site, never
        # cache the page. Same-origin (not no-referrer): with no referrer at all browsers post the
        # page's plain forms with "Origin: null", which the CSRF check must refuse.
        response["Referrer-Policy"] = "same-origin"
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _done(request, link, what: str):
    url = f"{reverse('portal_home', args=[link.token])}?done={what}#your-requests"
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _form_page(request, link, form, *, title: str, intro: str = "", submit: str = "", context=None):
    ctx = {"link": link, "form": form, "title": title, "intro": intro, "submit": submit or _("Send"),
           **(context or {})}
    if request.htmx:  # htmx swaps only 2xx answers: the fragment with its errors comes back as 200
        return render(request, "portal/form.html#form", ctx)
    return render(request, "portal/form.html", ctx, status=400 if form.is_bound else 200)


DONE_MESSAGES = {
    "dispute": gettext_lazy("Thank you. Your dispute is recorded and we will not send reminders for that invoice "
                            "while we look into it."),
    "promise": gettext_lazy("Thank you. Your payment promise is recorded; we will not chase these invoices before "
                            "that date."),
    "credit": gettext_lazy("Thank you. We received your request to apply the credit; your collector will apply it."),
    "autopay": gettext_lazy("Thank you. We received your autopay request and will contact you to set it up."),
    "contact": gettext_lazy("Thank you. We received the new accounts-payable contact and will update our records."),
    "feedback": gettext_lazy("Thank you for your feedback."),
    "plan": gettext_lazy("Thank you. Your payment plan is set up; we will not send reminders for these invoices "
                         "while you pay the installments on time."),
}


@require_GET
@portal_view
def home(request, link):
    services.portal_visit_log(customer=link.customer, family=link.family)
    today = timezone.localdate()
    policy = dunning_policy_for(link.customer)
    ctx = {"link": link, "today": today, "done": DONE_MESSAGES.get(request.GET.get("done", "")),
           "has_statement": latest_statement(link.customer) is not None, **portal_overview(link, today),
           "plans_allowed": bool(policy and policy.portal_plans_allowed)}
    return render(request, "portal/home.html", ctx)


@require_GET
@portal_view
def invoice_pdf(request, link, invoice_id: int):
    invoice = invoice_for(link, invoice_id)
    response = HttpResponse(invoice_copy_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"invoice-{invoice.external_id}.pdf")
    return response


@require_GET
@portal_view
def statement_pdf(request, link):
    found = latest_statement_pdf(link.customer)
    if found is None:
        return render(request, "portal/no_statement.html", {"link": link}, status=404)
    filename, content = found
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@require_http_methods(["GET", "POST"])
@portal_view
def dispute(request, link, invoice_id: int):
    invoice = invoice_for(link, invoice_id)
    form = DisputeForm(request.POST or None, invoice=invoice)
    if request.method == "POST" and form.is_valid():
        try:  # the service's bounds: at most what is open on the invoice
            services.portal_dispute_open(invoice=invoice, root_cause=form.cleaned_data["root_cause"],
                                         message=form.cleaned_data["message"], amount=form.cleaned_data["amount"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, link, "dispute")
    return _form_page(request, link, form, title=_("Dispute invoice %(invoice)s") % {"invoice": invoice.external_id},
                      submit=_("Send dispute"),
                      intro=_("Open: %(amount)s, due %(due)s.") % {
                          "amount": money(invoice.open_amount, invoice.currency), "due": date_format(invoice.due_date)})


@require_http_methods(["GET", "POST"])
@portal_view
def promise(request, link):
    today = timezone.localdate()
    initial = {"invoices": request.GET.getlist("invoice")} if request.method == "GET" else None
    form = PromiseForm(request.POST or None, link=link, today=today, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:  # the service's bounds: at most what is open, one open promise per invoice
            services.portal_promise_record(customer=data["invoices"][0].customer, amount=data["amount"],
                                           pay_by=data["pay_by"], invoices=data["invoices"], note=data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, link, "promise")
    return _form_page(request, link, form, title=_("Promise to pay"), submit=_("Send promise"),
                      intro=_("Tell us when you will pay; we will hold our reminders for these invoices until then."))


@require_http_methods(["GET", "POST"])
@portal_view
def plan(request, link):
    """The customer sets up a payment plan for past-due invoices, if their dunning policy allows it."""
    policy = dunning_policy_for(link.customer)
    if policy is None or not policy.portal_plans_allowed:
        return render(request, "portal/plan_unavailable.html", {"link": link}, status=403)
    today = timezone.localdate()
    initial = {"invoices": request.GET.getlist("invoice"), "first_due": today} if request.method == "GET" else None
    form = PortalPlanForm(request.POST or None, link=link, policy=policy, today=today, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan_create(invoices=form.cleaned_data["invoices"], source=PaymentPlan.Source.PORTAL,
                        installments=[(row.due_on, row.amount) for row in form.schedule],
                        note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, link, "plan")
    return _form_page(request, link, form, title=_("Set up a payment plan"), submit=_("Set up the plan"),
                      intro=_("Pay past-due invoices in up to %(installments)s equal installments over at most "
                              "%(days)s days. While you pay as agreed we send no reminders for them.") % {
                          "installments": policy.portal_plan_max_installments, "days": policy.portal_plan_max_days})


@require_http_methods(["GET", "POST"])
@portal_view
def credit_apply(request, link, credit_id: int):
    credit = credit_for(link, credit_id)
    form = CreditApplyForm(request.POST or None, link=link, credit=credit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.portal_request_record(customer=credit.customer, kind=PortalRequest.Kind.APPLY_CREDIT,
                                       credit_note=credit, invoices=data["invoices"], amount=data["amount"],
                                       message=data["message"])
        return _done(request, link, "credit")
    return _form_page(request, link, form, title=_("Use credit %(credit)s") % {"credit": credit.external_id},
                      submit=_("Send request"),
                      intro=_("%(amount)s of this credit is available.") % {
                          "amount": money(credit.unapplied_amount, credit.currency)})


@require_http_methods(["GET", "POST"])
@portal_view
def autopay(request, link):
    form = AutopayForm(request.POST or None, link=link)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.portal_request_record(customer=data["account"], kind=PortalRequest.Kind.AUTOPAY,
                                       email=data["email"], message=data["message"])
        return _done(request, link, "autopay")
    return _form_page(request, link, form, title=_("Request automatic payment"), submit=_("Send request"))


@require_http_methods(["GET", "POST"])
@portal_view
def ap_contact(request, link):
    form = ApContactForm(request.POST or None, link=link)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.portal_request_record(customer=data["account"], kind=PortalRequest.Kind.AP_CONTACT,
                                       contact_name=data["contact_name"], email=data["email"], message=data["message"])
        return _done(request, link, "contact")
    return _form_page(request, link, form, title=_("Update your accounts-payable contact"), submit=_("Send update"))


@require_http_methods(["GET", "POST"])
@portal_view
def feedback(request, link):
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.portal_feedback_record(customer=link.customer, score=form.cleaned_data["score"],
                                        comment=form.cleaned_data["comment"])
        return _done(request, link, "feedback")
    return _form_page(request, link, form, title=_("How are we doing?"), submit=_("Send feedback"))
