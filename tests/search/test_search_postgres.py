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
        assert len(cursor.fetchall()) == 8


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
