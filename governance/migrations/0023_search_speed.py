"""Indexes for the search page's kinds whose words span tables, and word similarity's true cost.

The words of grants (the asset's name, the holder's names), access requests (their purpose
too) and contracts (their organisation's name) span tables, so no index holds their whole
document. The search first finds the rows that may match through each table's own part of
it (``governance.search.matching._candidates``); these full-text indexes are on exactly the
expressions it asks (``SearchVector(*columns, config="simple")``), as 0020_explorer's are.

pg_trgm declares its word-similarity operator (``%>``) as cheap as comparing two numbers, so
PostgreSQL read the 5,000 assets one by one, computing the similarity of each name (24 ms),
rather than asking the trigram index (under 10 ms): priced at what it costs, the index wins.
PostgreSQL only, like 0011_search and 0020_explorer. The function belongs to whoever installed
pg_trgm (the bootstrap superuser for a trusted extension): a migrating role that may not alter
it leaves the cost as it was, with a notice, and the search is still right, only slower on
assets; a superuser can run the statement later (docs/deploy.md).
"""

from django.db import migrations

# (index name, table, the columns in the order the search writes them)
INDEXES = (
    ("search_asset_name_words", "governance_informationasset", ("name",)),
    ("search_user_name_words", "governance_user", ("first_name", "last_name")),
    ("search_request_purpose_words", "governance_accessrequest", ("purpose",)),
    ("search_contract_words", "governance_researchcontract", ("reference", "title")),
    ("search_organisation_name_words", "governance_externalorganisation", ("name",)),
)

# The word-similarity operator's function, and its cost in units of one operator (pg_trgm's own is 1).
SIMILARITY = "word_similarity_commutator_op(text, text)"
SIMILARITY_COST = 100


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
        cursor.execute(_cost(SIMILARITY_COST))


def _cost(cost: int) -> str:
    """Set the similarity function's cost where this role may; otherwise a notice, not a failed migration."""
    return (
        f"DO $$ BEGIN ALTER FUNCTION {SIMILARITY} COST {cost}; "
        f"EXCEPTION WHEN insufficient_privilege THEN RAISE NOTICE "
        f"'word similarity keeps its declared cost: only the owner of pg_trgm may change it'; END $$"
    )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, *_ in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute(_cost(1))


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0022_pages"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
