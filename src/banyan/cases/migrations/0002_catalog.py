from django.db import migrations


def load(apps, schema_editor):
    from banyan.cases.catalog import catalog_ensure

    catalog_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
