# /api/invoices/ lists by due date then id (its default order and the keyset cursor's): an index on
# that order lets PostgreSQL read a page from the index instead of sorting the whole table (issue 18).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0004_payment_erp_link"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["due_date", "id"], name="invoice_api_order"),
        ),
    ]
