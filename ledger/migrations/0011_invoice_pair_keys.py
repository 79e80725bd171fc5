import ledger.models
import ledger.numbers
from django.db import migrations, models

from ledger.imports.bulk import update_rows

BATCH = 20_000


def invoices_key(apps, schema_editor):
    """Key every existing invoice's number by its pairs of digits (`ledger.numbers.number_columns`),
    set-based as 0008 did: a batch of rows per UPDATE (COPY into a temporary table and one UPDATE …
    FROM on PostgreSQL); the indexes are built after."""
    Invoice = apps.get_model("ledger", "Invoice")
    last = 0
    while True:  # pages by primary key: nothing is read from a cursor while its table is updated
        rows = list(Invoice.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "external_id")[:BATCH])
        if not rows:
            return
        fields = ["number_key", "number_even_pairs", "number_odd_pairs"]
        update_rows(Invoice, [{"pk": pk, **ledger.numbers.number_columns(number)} for pk, number in rows], fields)
        last = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0010_invoice_open_read'),
    ]

    operations = [
        migrations.AddField(
            model_name='invoice',
            name='number_even_pairs',
            field=ledger.models.KeyField(key=ledger.numbers.number_even_pairs, max_length=64, source='external_id'),
        ),
        migrations.AddField(
            model_name='invoice',
            name='number_odd_pairs',
            field=ledger.models.KeyField(key=ledger.numbers.number_odd_pairs, max_length=64, source='external_id'),
        ),
        migrations.RunPython(invoices_key, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name='invoice',
            name='invoice_open_unkeyed',
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(condition=models.Q(('number_even_pairs__isnull', False), ('status', 'open')), fields=['number_even_pairs'], name='invoice_open_even_pairs'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(condition=models.Q(('number_odd_pairs__isnull', False), ('status', 'open')), fields=['number_odd_pairs'], name='invoice_open_odd_pairs'),
        ),
        migrations.AddIndex(
            model_name='invoice',
            index=models.Index(condition=models.Q(('status', 'open'), models.Q(('number_key__isnull', True), ('number_even_pairs__isnull', True), ('number_odd_pairs__isnull', True), models.Q(('po_key__isnull', True), models.Q(('po_number', ''), _negated=True)), _connector='OR')), fields=['id'], name='invoice_open_unkeyed'),
        ),
    ]
