"""On PostgreSQL, LIKE 'prefix%' uses a B-tree index only with the pattern operator class (any collation)."""

from django.db import migrations

INDEX = "registry_resident_name_pattern"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_resident (name varchar_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_golden_record")]
    operations = [migrations.RunPython(create, drop)]
