"""Search across the portal: pg_trgm, and trigram indexes on the names and references people type.

PostgreSQL only. ``TrigramExtension`` does nothing on other databases; the indexes are created
with SQL run only on PostgreSQL (SQLite has no GIN indexes; search there is a plain contains).
The indexes serve the ``%>`` (word similarity) and ``LIKE`` matches of the search page.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index name, table, column)
INDEXES = (
    ("search_asset_name_trgm", "governance_informationasset", "name"),
    ("search_item_name_trgm", "governance_dataitem", "name"),
    ("search_user_first_trgm", "governance_user", "first_name"),
    ("search_user_last_trgm", "governance_user", "last_name"),
    ("search_contract_ref_trgm", "governance_researchcontract", "reference"),
    ("search_contract_title_trgm", "governance_researchcontract", "title"),
    ("search_incident_title_trgm", "governance_incident", "title"),
    ("search_release_title_trgm", "governance_statisticalrelease", "title"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, table, column in INDEXES:
            cursor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ("{column}" gin_trgm_ops)')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _table, _column in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0010_recertification_campaigns"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
