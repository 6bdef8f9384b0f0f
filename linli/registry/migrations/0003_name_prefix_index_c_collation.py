"""On PostgreSQL, one index on (name in the "C" collation, id) serves name-prefix search and its order.

A B-tree in the "C" collation serves ``LIKE 'prefix%'`` as the pattern operator class of 0002 does, and it
also yields rows in (name, id) order, so a search reads from the prefix and stops after one page. With only
the pattern index, a common surname (王: 7% of a district) made the planner walk ``resident_name`` from its
start, filtering every row. The pattern index is no longer needed and is dropped. SQLite needs nothing:
its default collation is already binary, and the search asks ``resident_name`` for a range.
"""

from django.db import migrations

INDEX = "registry_resident_name_c"
PATTERN_INDEX = "registry_resident_name_pattern"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {INDEX} ON registry_resident (name COLLATE "C", id)'
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {PATTERN_INDEX}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {PATTERN_INDEX} ON registry_resident (name varchar_pattern_ops)"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_name_prefix_index_postgresql")]
    operations = [migrations.RunPython(create, drop)]
