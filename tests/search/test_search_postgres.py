"""On PostgreSQL the search forgives a slip in a name and ranks the closest first (pg_trgm and full text)."""

from __future__ import annotations

import pytest
from django.db import connection

from governance.search.kinds import BY_KEY
from tests.factories import UserFactory, make_asset

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram matching is PostgreSQL's"),
]


def test_the_migration_enabled_pg_trgm_and_indexed_the_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%%_trgm'")
        assert len(cursor.fetchall()) == 10


# The kinds whose words are all in their own table, and the full-text index on each one's words.
WORDS_INDEXED = {
    "assets": ("governance_informationasset", "search_asset_words"),
    "items": ("governance_dataitem", "search_item_words"),
    "people": ("governance_user", "search_user_words"),
    "incidents": ("governance_incident", "search_incident_words"),
    "releases": ("governance_statisticalrelease", "search_release_words"),
}


@pytest.mark.parametrize("key", sorted(WORDS_INDEXED))
def test_a_kind_in_one_table_is_searched_from_its_indexes_not_by_reading_every_row(auditor, key):
    """Every part of the match (the words, each name's similarity and substring) can come from an
    index: with sequential scans priced out, the plan reads the table through its indexes only."""
    table, words_index = WORDS_INDEXED[key]
    sql, params = BY_KEY[key].search(auditor, "benefit").order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert words_index in plan, plan
    assert f"Seq Scan on {table}" not in plan, plan


def test_a_percent_sign_or_underscore_typed_is_matched_as_itself(auditor, area):
    make_asset(manager=None, business_area=area, name="Claims at 50% rate")
    make_asset(manager=None, business_area=area, name="Claims at 5 rate")
    assert [a.name for a in BY_KEY["assets"].search(auditor, "50%")] == ["Claims at 50% rate"]
    assert not list(BY_KEY["assets"].search(auditor, "t_5"))


def test_a_misspelt_name_is_still_found_and_the_closest_comes_first(auditor, area):
    okafor = UserFactory(first_name="Dana", last_name="Okafor", business_area=area)
    UserFactory(first_name="Dan", last_name="Oakley", business_area=area)
    found = list(BY_KEY["people"].search(auditor, "Okafr"))
    assert found and found[0] == okafor
    make_asset(manager=None, business_area=area, name="Pension payments")
    make_asset(manager=None, business_area=area, name="Housing benefit payments")
    assets = [a.name for a in BY_KEY["assets"].search(auditor, "Pension paymnts")]
    assert assets and assets[0] == "Pension payments"


def test_words_anywhere_in_a_description_are_found_by_full_text(auditor, area):
    make_asset(manager=None, business_area=area, name="Claims", description="Monthly extract of jobseeker claims")
    assert [a.name for a in BY_KEY["assets"].search(auditor, "jobseeker")] == ["Claims"]
