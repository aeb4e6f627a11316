"""Full-text indexes for the search page's words, on the kinds whose words are all in one table.

Each index is on exactly the expression the search computes (``SearchVector(*words,
config="simple")`` in ``governance.search.matching``), so PostgreSQL answers the full-text
match from the index instead of building every row's document on every search. The words of
grants, requests and contracts span tables (an asset's name, a holder's name, an
organisation's) and have no such index. A person's username and staff number get the
trigram indexes their first and last names have, so every part of a search for people is
answered from an index. PostgreSQL only, like 0011_search.
"""

from django.db import migrations

# (index name, table, the words' columns in the kind's order)
INDEXES = (
    ("search_asset_words", "governance_informationasset", ("name", "description")),
    ("search_item_words", "governance_dataitem", ("name", "description")),
    ("search_user_words", "governance_user", ("first_name", "last_name", "username", "staff_number", "email")),
    ("search_incident_words", "governance_incident", ("title", "description")),
    ("search_release_words", "governance_statisticalrelease", ("title", "summary")),
)

# (index name, table, column): trigram indexes, as in 0011_search
TRIGRAM = (
    ("search_user_username_trgm", "governance_user", "username"),
    ("search_user_staff_trgm", "governance_user", "staff_number"),
)


def document(columns: tuple[str, ...]) -> str:
    """The document as Django's SearchVector writes it: each column or '', joined by a space."""
    return " || ' ' || ".join(f"COALESCE(\"{column}\", '')" for column in columns)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, table, columns in INDEXES:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                f"USING gin (to_tsvector('simple'::regconfig, {document(columns)}))"
            )
        for name, table, column in TRIGRAM:
            cursor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ("{column}" gin_trgm_ops)')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, *_ in (*INDEXES, *TRIGRAM):
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0019_dpia"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
