"""The search page's GIN indexes keep a small pending list: 64 kB, not 4 MB.

A GIN index keeps rows added since the last VACUUM in a "pending list" (``fastupdate``) that
every search reads row by row, up to ``gin_pending_list_limit`` (4 MB by default) per index.
After a bulk load (an HR or asset import, or the scale seed) most of these indexes were
pending: all 5,000 assets' names, all 2,000 contracts' references, 100,000 entries of the
people's names, so a search compared the typed words with each of them, as if there were no
index, until a VACUUM came (and the planner, not knowing, chose the index all the same).

Turning the list off (``fastupdate = off``) made inserting rows ten times slower (30,000 data
items into a name's trigram index and its words' index: 8.7 s against 0.7 s); a list of 64 kB,
the smallest PostgreSQL allows, is moved into the index as soon as it fills, which costs a
quarter to a third more per insert, and a search reads at most that much of it (0.1 ms, against
2 to 8 ms for the full default list on 30,000 names). What is already pending is moved into
the index here. PostgreSQL only, like the migrations that created the indexes (0011_search,
0020_explorer, 0023_search_speed).
"""

from django.db import migrations

PENDING_LIST_KB = 64

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


def small_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"ALTER INDEX IF EXISTS {name} SET (gin_pending_list_limit = {PENDING_LIST_KB})")
            cursor.execute("SELECT gin_clean_pending_list(to_regclass(%s))", [name])  # none if no such index


def default_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"ALTER INDEX IF EXISTS {name} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0023_search_speed"),
    ]

    operations = [
        migrations.RunPython(small_pending_list, default_pending_list),
    ]
