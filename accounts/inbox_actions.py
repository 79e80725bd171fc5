"""Answering a customer's email from the workspace: "Reply" opens the form in the inbox panel; the
answer is queued in the outbox with In-Reply-To and References (inbox.handling.inbound_reply), so the
customer's mail client threads it. Answers with the panel (HTMX) or a redirect; a refused one comes
back with its errors in place (422)."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.inbox_panel import PANEL
from accounts.workspace import panel_done, show_panel, work_roles, workspace_customer
from inbox.forms import ReplyForm
from inbox.handling import inbound_reply, reply_subject
from inbox.models import InboundEmail
from portfolios.access import any_role
from reminders.outbox import SubjectError


@require_GET
@any_role
def account_inbox(request: HttpRequest, pk: int) -> HttpResponse:
    """The inbox panel alone (HTMX), else the workspace."""
    return show_panel(request, workspace_customer(request, pk), PANEL)


@require_http_methods(["GET", "POST"])
@work_roles  # emails the customer: not finance (portfolios.role_table)
def account_inbox_reply(request: HttpRequest, pk: int, email_id: int) -> HttpResponse:
    customer = workspace_customer(request, pk)
    email = get_object_or_404(InboundEmail, pk=email_id, customer=customer)
    if request.method == "GET":
        form = ReplyForm(initial={"subject": reply_subject(email.subject or "your email")})
        return show_panel(request, customer, PANEL, {"reply_form": form, "reply_to": email})
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            message = inbound_reply(email=email, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except (ValidationError, SubjectError) as failure:
            form.add_error(None, " ".join(getattr(failure, "messages", None) or [str(failure)]))
        else:
            return panel_done(request, customer, PANEL, f"Answer queued for {message.to_email}, threaded under "
                                                        f"their email.",
                              to=reverse("account", args=[customer.pk]) + "#workspace-inbox")
    return show_panel(request, customer, PANEL, {"reply_form": form, "reply_to": email}, status=422)
