"""The ledger and the collection work moved out of collections_app (now only the project).

Their tables keep their names (each model's db_table) and their rows: the database does not
change, only Django's state. Content types follow the models, so permissions and admin history
carry over.
"""

from django.db import migrations

MOVED = {
    "ledger": ["customer", "contact", "invoice", "payment", "creditnote", "application", "writeoff", "fxrate"],
    "work": ["activity", "promisetopay", "dispute", "escalationlevel", "escalation", "queuetask", "queueentry",
             "snooze", "paymentplan", "planinstallment", "creditholdrule", "creditholdevent"],
    "erp": ["importjob"],
}


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models in MOVED.items():
        ContentType.objects.filter(app_label="collections_app", model__in=models).update(app_label=app_label)


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models in MOVED.items():
        ContentType.objects.filter(app_label=app_label, model__in=models).update(app_label="collections_app")


class Migration(migrations.Migration):

    dependencies = [
        ('collections_app', '0011_import_resume_beat_schedule'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('ledger', '0001_initial'),
        ('work', '0001_initial'),
        ('erp', '0001_initial'),
        ('portal', '0002_point_at_ledger_and_work'),
        ('portfolios', '0006_team_models_moved'),
        ('reminders', '0006_point_at_ledger'),
        ('reporting', '0003_point_at_ledger'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='activity',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='activity',
                    name='contact',
                ),
                migrations.RemoveField(
                    model_name='activity',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='activity',
                    name='invoices',
                ),
                migrations.RemoveField(
                    model_name='promisetopay',
                    name='activity',
                ),
                migrations.RemoveField(
                    model_name='queueentry',
                    name='activity',
                ),
                migrations.RemoveField(
                    model_name='paymentplan',
                    name='activity',
                ),
                migrations.RemoveField(
                    model_name='application',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='application',
                    name='credit_note',
                ),
                migrations.RemoveField(
                    model_name='application',
                    name='invoice',
                ),
                migrations.RemoveField(
                    model_name='application',
                    name='payment',
                ),
                migrations.RemoveField(
                    model_name='application',
                    name='reverses',
                ),
                migrations.RemoveField(
                    model_name='contact',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='escalation',
                    name='to_contact',
                ),
                migrations.RemoveField(
                    model_name='creditholdevent',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='creditholdevent',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='creditholdevent',
                    name='rule',
                ),
                migrations.RemoveField(
                    model_name='creditnote',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='customer',
                    name='parent',
                ),
                migrations.RemoveField(
                    model_name='customer',
                    name='portfolio',
                ),
                migrations.RemoveField(
                    model_name='paymentplan',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='snooze',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='escalation',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='promisetopay',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='payment',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='dispute',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='invoice',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='queuetask',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='queueentry',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='dispute',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='dispute',
                    name='invoices',
                ),
                migrations.RemoveField(
                    model_name='escalation',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='escalation',
                    name='invoices',
                ),
                migrations.RemoveField(
                    model_name='escalation',
                    name='level',
                ),
                migrations.RemoveField(
                    model_name='escalation',
                    name='to_user',
                ),
                migrations.DeleteModel(
                    name='FxRate',
                ),
                migrations.RemoveField(
                    model_name='importjob',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='invoice',
                    name='charge_for',
                ),
                migrations.RemoveField(
                    model_name='invoice',
                    name='voided_by',
                ),
                migrations.RemoveField(
                    model_name='paymentplan',
                    name='invoices',
                ),
                migrations.RemoveField(
                    model_name='promisetopay',
                    name='invoices',
                ),
                migrations.RemoveField(
                    model_name='writeoff',
                    name='invoice',
                ),
                migrations.RemoveField(
                    model_name='payment',
                    name='reversed_by',
                ),
                migrations.RemoveField(
                    model_name='paymentplan',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='paymentplan',
                    name='replaces',
                ),
                migrations.RemoveField(
                    model_name='planinstallment',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='promisetopay',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='queueentry',
                    name='collector',
                ),
                migrations.RemoveField(
                    model_name='queueentry',
                    name='done_by',
                ),
                migrations.RemoveField(
                    model_name='queuetask',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='snooze',
                    name='by',
                ),
                migrations.RemoveField(
                    model_name='writeoff',
                    name='created_by',
                ),
                migrations.DeleteModel(
                    name='Activity',
                ),
                migrations.DeleteModel(
                    name='Application',
                ),

                migrations.DeleteModel(
                    name='Contact',
                ),
                migrations.DeleteModel(
                    name='CreditHoldEvent',
                ),
                migrations.DeleteModel(
                    name='CreditHoldRule',
                ),
                migrations.DeleteModel(
                    name='CreditNote',
                ),
                migrations.DeleteModel(
                    name='Customer',
                ),
                migrations.DeleteModel(
                    name='Dispute',
                ),
                migrations.DeleteModel(
                    name='EscalationLevel',
                ),
                migrations.DeleteModel(
                    name='Escalation',
                ),
                migrations.DeleteModel(
                    name='ImportJob',
                ),
                migrations.DeleteModel(
                    name='Invoice',
                ),
                migrations.DeleteModel(
                    name='Payment',
                ),
                migrations.DeleteModel(
                    name='PaymentPlan',
                ),
                migrations.DeleteModel(
                    name='PlanInstallment',
                ),
                migrations.DeleteModel(
                    name='PromiseToPay',
                ),
                migrations.DeleteModel(
                    name='QueueEntry',
                ),
                migrations.DeleteModel(
                    name='QueueTask',
                ),
                migrations.DeleteModel(
                    name='Snooze',
                ),
                migrations.DeleteModel(
                    name='WriteOff',
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_back),
    ]
