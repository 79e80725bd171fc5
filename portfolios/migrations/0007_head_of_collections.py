from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="head_of_collections")


class Migration(migrations.Migration):
    """The head of collections: a manager of every team (portfolios.access)."""

    dependencies = [("portfolios", "0006_team_models_moved")]
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
