"""Failures that no longer stop a run (a dunning run counts its failed messages, a statement run
records the accounts whose statement failed), and the stock templates' closing said once: they
wrote "Kind regards, {{ collector_name }}" before {{ collector_signature }}, which holds both
already, so statements and reminders repeated the collector's signature. Only bodies still ending
with a stock closing change."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


STOCK_CLOSINGS = [
    "Kind regards,\n{{ collector_name }}\n{{ collector_signature }}",
    "Thank you,\n{{ collector_name }}\n{{ collector_signature }}",
    "Regards,\n{{ collector_name }}\n{{ collector_signature }}",
    "{{ collector_name }}\n{{ collector_signature }}",
]
SIGN_OFF = "{{ sign_off }}"


def closings_once(apps, schema_editor):
    MessageTemplate = apps.get_model("reminders", "MessageTemplate")
    for template in MessageTemplate.objects.all():
        body = template.body.rstrip()
        closing = next((c for c in STOCK_CLOSINGS if body.endswith(c)), None)
        if closing:
            template.body = body[: -len(closing)] + SIGN_OFF
            template.save(update_fields=["body"])


def closings_back(apps, schema_editor):
    MessageTemplate = apps.get_model("reminders", "MessageTemplate")
    for template in MessageTemplate.objects.filter(body__endswith=SIGN_OFF):
        template.body = template.body[: -len(SIGN_OFF)] + STOCK_CLOSINGS[0]
        template.save(update_fields=["body"])


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0001_initial'),
        ('reminders', '0007_tracked_links'),
    ]

    operations = [
        migrations.AddField(
            model_name='dunningrun',
            name='messages_failed',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='statementrun',
            name='failed',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.CreateModel(
            name='StatementFailure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('error', models.TextField()),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='ledger.customer')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='failures', to='reminders.statementrun')),
            ],
            options={
                'ordering': ['run', 'customer'],
                'constraints': [models.UniqueConstraint(fields=('run', 'customer'), name='one_statement_failure_per_run')],
            },
        ),
        migrations.RunPython(closings_once, closings_back),
    ]
