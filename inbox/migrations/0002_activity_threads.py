"""Give the email activities logged before threading their Message-ID and the one they answer, so
the timeline threads old conversations too: a sent message's activity has its subject and was
logged at the moment it was marked sent; a received one was logged at its received time. Set-based
(two UPDATEs with correlated subqueries), whatever the size of the book."""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def forwards(apps, schema_editor):
    Activity = apps.get_model("work", "Activity")
    OutboundMessage = apps.get_model("reminders", "OutboundMessage")
    InboundEmail = apps.get_model("inbox", "InboundEmail")
    emails = Activity.objects.filter(kind="email", message_id="")
    sent = OutboundMessage.objects.filter(
        customer_id=OuterRef("customer_id"), subject=OuterRef("subject"), sent_at=OuterRef("occurred_at"),
    ).exclude(provider_message_id="").order_by("pk")
    emails.exclude(subject__startswith="Email from ").update(
        message_id=Coalesce(Subquery(sent.values("provider_message_id")[:1]), Value("")),
        in_reply_to=Coalesce(Subquery(sent.values("in_reply_to")[:1]), Value("")),
    )
    received = InboundEmail.objects.filter(
        customer_id=OuterRef("customer_id"), received_at=OuterRef("occurred_at"),
    ).order_by("pk")
    emails.filter(subject__startswith="Email from ").update(
        message_id=Coalesce(Subquery(received.values("message_id")[:1]), Value("")),
        in_reply_to=Coalesce(Subquery(received.values("answers__provider_message_id")[:1]),
                             Subquery(received.values("in_reply_to")[:1]), Value("")),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("inbox", "0001_ingest_initial"),
        ("reminders", "0015_html_translations"),
        ("work", "0007_activity_threading"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
