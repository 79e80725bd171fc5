"""The portal link behind a message's tracked link."""

from django.db import models
from django.utils import timezone


class TrackedLink(models.Model):
    """The portal link a message carries, minted once when the message is first rendered.

    The email shows the tracked address (`/reminders/c/<signed message key>/`); a click counts on
    the message's timeline and goes to this portal link, if it is still good. Its token holds the
    expiry and the customer's link version it was issued with, so revoking the customer's links or
    the end of its life ends this link too. A click never mints a new one.
    """

    # The message's key (OutboundMessage.key): the link exists from the first rendering, before the
    # message row is written, and every later rendering of the message reuses it.
    key = models.CharField(max_length=200, unique=True)
    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="+")
    # The signed portal token, as portal.links minted it: a password in a URL, like the email itself.
    portal_token = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Portal link of {self.key}"
