"""The mail provider's inbound webhook: Mailgun's receiving route (`forward("https://…/inbox/webhooks/
mailgun/")`) posts each message as raw MIME (`body-mime`, the route's "raw MIME" option) or parsed;
django-anymail checks Mailgun's signature (MAILGUN_WEBHOOK_SIGNING_KEY) and, when set, HTTP basic
auth (ANYMAIL_WEBHOOK_SECRET, "user:password" in the URL given to Mailgun), and sends its `inbound`
signal; the receiver below hands the raw message to the same `inbound_ingest` as the other doors.

An error storing the message answers 500, so Mailgun retries (for hours); a message refused for good
(too large) is logged and answered 200, so it is not retried."""

import logging

from anymail.signals import inbound
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt

from inbox.models import InboundEmail
from inbox.services import MessageRefused, inbound_ingest

logger = logging.getLogger(__name__)


class InboundMailgunWebhook(MailgunInboundWebhookView):
    """Anymail's Mailgun inbound view, refusing every post while no signing key is configured (an
    empty key would make every signature forgeable)."""

    @method_decorator(csrf_exempt)  # the provider's post: signed, not a browser form
    def dispatch(self, request, *args, **kwargs):
        if not self.webhook_signing_key:
            return HttpResponse("Inbound webhook not configured: set MAILGUN_WEBHOOK_SIGNING_KEY.",
                                status=503, content_type="text/plain")
        return super().dispatch(request, *args, **kwargs)


def raw_of(event) -> bytes:
    """The message as Mailgun sent it when it sent raw MIME, else as anymail rebuilt it."""
    request = getattr(event, "esp_event", None)
    body_mime = request.POST.get("body-mime") if request is not None and hasattr(request, "POST") else None
    return body_mime.encode("utf-8") if body_mime else event.message.as_bytes()


@receiver(inbound, sender=InboundMailgunWebhook, dispatch_uid="inbox.webhooks.mailgun_inbound")
def mailgun_inbound(sender, event, esp_name, **kwargs) -> None:
    try:
        email, created = inbound_ingest(raw_of(event), source=InboundEmail.Source.WEBHOOK)
    except MessageRefused as refused:
        logger.warning("%s inbound message refused: %s", esp_name, refused)
        return
    logger.info("%s inbound %s: %s", esp_name, email.message_id, "stored" if created else "already stored")

