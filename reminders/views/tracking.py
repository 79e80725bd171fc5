"""Endpoints the outside world calls: the open pixel and the portal link in every message, and a
webhook an email provider calls with bounces. No login; tokens are signed, the webhook has a secret."""

import base64
import hmac
import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from reminders import tracking
from reminders.models import OutboundMessage
from reminders.rendering import TrackedLinkError, key_from_token, tracked_portal_path

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _message(token: str) -> OutboundMessage | None:
    key = key_from_token(token)
    return OutboundMessage.objects.select_related("customer", "contact").filter(key=key).first() if key else None


@require_GET
def message_open(request, token: str):
    message = _message(token)
    if message is not None and message.sent_at:
        tracking.message_opened(message=message)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def message_click(request, token: str) -> HttpResponse:
    """The portal link of a message: the click lands on its timeline, then the customer goes on to the
    portal link minted with the message, or sees why not (410) once it expired or was revoked."""
    message = _message(token)
    if message is None:
        return HttpResponseBadRequest("This link is not valid.")
    try:
        # A path, not an address: the customer stays on the host they clicked.
        response: HttpResponse = redirect(tracked_portal_path(message.key))
        refused = ""
    except TrackedLinkError as error:
        response = render(request, "portal/link_error.html", {"error": error}, status=error.status)
        refused = error.title
    if message.sent_at:
        tracking.message_clicked(message=message, refused=refused)
    # The redirect carries the portal token: never leak it in a Referer, never cache it.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@require_POST
def bounce_webhook(request):
    """POST JSON {"message_id": "<…>", "recipient": "…", "reason": "…"} (or a list of them) with the
    shared secret in the X-Webhook-Secret header."""
    secret = getattr(settings, "REMINDERS_BOUNCE_WEBHOOK_SECRET", "")
    given = request.headers.get("X-Webhook-Secret", "")
    if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
        return HttpResponseForbidden("Bad or missing webhook secret.")
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("Body must be JSON.")
    events = payload if isinstance(payload, list) else [payload]
    matched = 0
    for event in events:
        if not isinstance(event, dict):
            return HttpResponseBadRequest("Each event must be an object.")
        matched += tracking.bounce_record(message_id=str(event.get("message_id", "")),
                                          recipient=str(event.get("recipient", "")),
                                          reason=str(event.get("reason", ""))[:500]) is not None
    return JsonResponse({"received": len(events), "matched": matched})
