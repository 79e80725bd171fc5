"""Drop the `LIKE 'prefix%'` indexes PostgreSQL gets beside every unique `external_id` of the ledger.

Nothing searches these ids by prefix (the accounts search is a case-insensitive substring match,
which such an index cannot serve), and every imported row paid for an entry in them: about 8 % of a
50,000-invoice import. Looked up by definition, since Django names them with a hash."""

from django.db import migrations

TABLES = ("collections_app_invoice", "collections_app_payment", "collections_app_creditnote")


def _pattern_indexes(cursor):
    cursor.execute(
        "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s) "
        "AND indexdef LIKE '%%(external_id varchar_pattern_ops)%%'", [list(TABLES)])
    return cursor.fetchall()


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for _, index in _pattern_indexes(cursor):
            schema_editor.execute(f"DROP INDEX {quote(index)}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        present = {table for table, _ in _pattern_indexes(cursor)}
    for table in TABLES:
        if table not in present:
            schema_editor.execute(f"CREATE INDEX {quote(table + '_external_id_like')} ON {quote(table)} "
                                  f"(external_id varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [("collections_app", "0008_leaner_ledger_indexes")]

    operations = [migrations.RunPython(drop, restore)]
