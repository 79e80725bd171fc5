"""The template editor's preview of both parts of a message for a real account: the text part in
the page, the HTML part in a sandboxed frame (its own address, since the email's inlined styles
need a policy of their own). The subject and body as typed in the editor stand in for the
template's own text (LANGUAGE_CODE's) until saved; another language shows its saved translation."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from ledger.selectors import visible_customers
from portfolios.access import manager_required
from reminders import languages
from reminders.forms import TemplateForm
from reminders.manual import message_preview_parts
from reminders.models import MessageTemplate

# The HTML part shown in the frame: its inlined styles and the logo, nothing that runs.
FRAME_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: http: https:; "
                "frame-ancestors 'self'; sandbox")
LANGUAGE_CHOICES = [("", "The recipient's language"), *[(code, code) for code in languages.SHIPPED]]


class PreviewError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _inputs(request, pk: int):
    """(template as typed, account, language) from the request; PreviewError with the reasons."""
    template = get_object_or_404(MessageTemplate, pk=pk)
    errors: list[str] = []
    if "subject" in request.GET and "body" in request.GET:
        saved = template
        template = MessageTemplate(pk=saved.pk, name=saved.name, kind=saved.kind, subject=request.GET["subject"],
                                   body=request.GET["body"])
        form = TemplateForm({"name": saved.name, "kind": saved.kind, "subject": template.subject,
                             "body": template.body}, instance=MessageTemplate.objects.get(pk=pk))
        if not form.is_valid():
            errors += [e for field in ("subject", "body") for e in form.errors.get(field, [])]
    language = request.GET.get("language", "")
    if language and language not in languages.SHIPPED:
        errors.append(f"Unknown language “{language}”: pick one of {', '.join(languages.SHIPPED)}.")
    customers = visible_customers(request.user).select_related("portfolio__collector__collector_profile")
    customer = None
    if request.GET.get("customer"):
        try:
            customer = customers.filter(pk=request.GET["customer"]).first()
        except (ValueError, ValidationError):
            customer = None
        if customer is None:
            errors.append("That account does not exist or is not yours to see.")
    else:
        customer = customers.filter(invoices__status="open").order_by("name").first()
    if errors:
        raise PreviewError(errors)
    return template, customer, language or None


def preview_context(request, pk: int) -> dict:
    """What the editor's preview partial shows (see templates/reminders/template_form.html#preview)."""
    try:
        template, customer, language = _inputs(request, pk)
    except PreviewError as exc:
        return {"template": MessageTemplate.objects.filter(pk=pk).first(), "errors": exc.errors}
    if customer is None:
        return {"template": template, "customer": None}
    made = message_preview_parts(customer=customer, template=template, language=language)
    query = {k: request.GET[k] for k in ("subject", "body", "language") if k in request.GET}
    query["customer"] = str(customer.pk)
    return {"template": template, "customer": customer, "subject": made.subject, "body": made.body,
            "language": made.language, "has_html": bool(made.html_body), "language_choices": LANGUAGE_CHOICES,
            "html_url": f"{reverse('dunning_template_preview_html', args=[pk])}?{urlencode(query)}"}


@require_GET
@manager_required
@xframe_options_sameorigin
def template_preview_html(request, pk: int):
    """The HTML part alone, for the preview's frame."""
    try:
        template, customer, language = _inputs(request, pk)
    except PreviewError as exc:
        return HttpResponse("; ".join(exc.errors), status=422, content_type="text/plain; charset=utf-8")
    if customer is None:
        raise Http404("No account with open invoices to preview with.")
    made = message_preview_parts(customer=customer, template=template, language=language)
    response = HttpResponse(made.html_body or made.body, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = FRAME_POLICY
    return response


def render_preview(request, pk: int):
    ctx = preview_context(request, pk)
    status = 422 if ctx.get("errors") else 200
    return render(request, "reminders/template_form.html#preview", ctx, status=status)
