"""The search page's GIN indexes take new rows straight into the index, not into a pending list.

A GIN index keeps rows added since the last VACUUM in a "pending list" (``fastupdate``, on by
default) that every search reads row by row, up to 4 MB per index. After a bulk load (an HR or
asset import, or the scale seed) most of these indexes were pending: all 5,000 assets' names,
all 2,000 contracts' references, 100,000 entries of the people's names, so a search compared
the typed words with each of them, as if there were no index, until autovacuum came (and the
planner, not knowing, chose the index all the same). Searching is far more frequent than
adding records, and the PostgreSQL documentation advises turning the list off where steady
response time matters more than the speed of writes. What is already pending is moved into the
index here. PostgreSQL only, like the migrations that created the indexes (0011_search,
0020_explorer, 0023_search_speed).
"""

from django.db import migrations

INDEXES = (
    # 0011_search: trigrams of the names and references people type
    "search_asset_name_trgm",
    "search_item_name_trgm",
    "search_user_first_trgm",
    "search_user_last_trgm",
    "search_contract_ref_trgm",
    "search_contract_title_trgm",
    "search_incident_title_trgm",
    "search_release_title_trgm",
    # 0020_explorer: each kind's words, and people's usernames and staff numbers
    "search_asset_words",
    "search_item_words",
    "search_user_words",
    "search_incident_words",
    "search_release_words",
    "search_user_username_trgm",
    "search_user_staff_trgm",
    # 0023_search_speed: the words of the tables that grants, requests and contracts are found through
    "search_asset_name_words",
    "search_user_name_words",
    "search_request_purpose_words",
    "search_contract_words",
    "search_organisation_name_words",
)


def without_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"ALTER INDEX IF EXISTS {name} SET (fastupdate = off)")
            cursor.execute("SELECT gin_clean_pending_list(to_regclass(%s))", [name])  # none if no such index


def with_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"ALTER INDEX IF EXISTS {name} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0023_search_speed"),
    ]

    operations = [
        migrations.RunPython(without_pending_list, with_pending_list),
    ]
