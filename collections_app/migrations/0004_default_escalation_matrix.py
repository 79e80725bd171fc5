"""The default escalation matrix: AP clerk → approver → controller → sales rep → manager → agency.

Levels are rows (editable in the admin); a level with a contact role asks that person at the
customer, a level without one is internal (our manager) or external (the collections agency)."""

from django.db import migrations

LEVELS = [
    (1, "AP clerk", "ap_clerk", "The customer's accounts-payable clerk: the first contact for every invoice."),
    (2, "Approver", "approver", "The person who approves invoices for payment at the customer."),
    (3, "Controller", "controller", "The customer's controller or finance lead."),
    (4, "Sales rep", "sales_rep", "The sales rep who owns the relationship, to talk to their buyer."),
    (5, "Collections manager", "", "Our own manager: a call from them, a hold on new orders."),
    (6, "Collections agency", "", "Hand the account to the collections agency."),
]


def add_levels(apps, schema_editor):
    EscalationLevel = apps.get_model("collections_app", "EscalationLevel")
    for order, name, role, description in LEVELS:
        EscalationLevel.objects.get_or_create(
            order=order, defaults={"name": name, "contact_role": role, "description": description}
        )


def remove_levels(apps, schema_editor):
    EscalationLevel = apps.get_model("collections_app", "EscalationLevel")
    used = apps.get_model("collections_app", "Escalation").objects.values("level_id")
    EscalationLevel.objects.filter(order__in=[order for order, *_ in LEVELS]).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0003_queue_entries_snoozes")]
    operations = [migrations.RunPython(add_levels, remove_levels)]
