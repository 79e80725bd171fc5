import time

import django.db.models.deletion
import django.utils.timezone
from django.core import signing
from django.db import migrations, models

# The portal link format of portal.links at the time of this migration (a migration may not import
# the portal, a layer above the reminders), and its default life.
PORTAL_SALT = "portal.link.v1"
PORTAL_LINK_DAYS = 60


def links_for_unsent_messages(apps, schema_editor):
    """A message queued before this migration carries a tracked link but no stored portal link; it has
    not left yet, so give it one now (as its rendering would have). Messages already sent keep
    none: their clicks answer 410, since nothing says which portal link they went out with."""
    OutboundMessage = apps.get_model("reminders", "OutboundMessage")
    TrackedLink = apps.get_model("reminders", "TrackedLink")
    PortalAccess = apps.get_model("portal", "PortalAccess")
    unsent = OutboundMessage.objects.filter(status__in=["queued", "sending"]).select_related("customer")
    versions = dict(PortalAccess.objects.values_list("customer_id", "version"))
    expires = int(time.time()) + PORTAL_LINK_DAYS * 86400
    TrackedLink.objects.bulk_create([
        TrackedLink(key=message.key, customer_id=message.customer_id, portal_token=signing.dumps(
            {"c": message.customer_id, "v": versions.get(message.customer_id, 1),
             "f": int(message.customer.parent_id is None), "x": expires},
            salt=PORTAL_SALT, compress=True))
        for message in unsent.iterator()
    ], ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0001_initial"),
        ("portal", "0002_point_at_ledger_and_work"),
        ("reminders", "0006_point_at_ledger"),
    ]

    operations = [
        migrations.CreateModel(
            name="TrackedLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=200, unique=True)),
                ("portal_token", models.CharField(max_length=500)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("customer", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                               to="ledger.customer")),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.RunPython(links_for_unsent_messages, migrations.RunPython.noop),
    ]
