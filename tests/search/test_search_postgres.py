"""On PostgreSQL the search forgives a slip in a name and ranks the closest first (pg_trgm and full text)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.search import first_rows, matching
from governance.search.kinds import BY_KEY, KINDS
from governance.search.matching import one_search
from tests.factories import BusinessAreaFactory, UserFactory, make_asset, make_contract, make_grant

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram matching is PostgreSQL's"),
]


def test_the_migration_enabled_pg_trgm_and_indexed_the_names():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()
        # Ten of each on the records' own tables, and one of each on the data items' distinct names (0032).
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%%_trgm'")
        assert len(cursor.fetchall()) == 11
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%%_words'")
        assert len(cursor.fetchall()) == 11


def test_the_search_indexes_keep_a_small_pending_list():
    """A GIN index's pending list is read row by row on every search until a VACUUM: 64 kB on all 22."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_am a ON a.oid = c.relam "
            "WHERE c.relkind = 'i' AND a.amname = 'gin' AND c.relname LIKE 'search%%'"
        )
        options = dict(cursor.fetchall())
    assert len(options) == 22
    assert {name for name, opts in options.items() if "gin_pending_list_limit=64" not in (opts or [])} == set()


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


# Searches whose words fall in one table, across the tables (an asset's name and a holder's), by
# reference, misspelt, negated, and matching nothing.
ACROSS = (
    "Claims",
    "Okafor",
    "Claims Okafor",
    "Okafr",
    "claims -Okafor",
    "-Okafor",
    "Dana Oakley",
    "laim",
    "Grant 1",
    "nothing",
)


def _found(kind, viewer, text) -> list[int]:
    return [record.pk for record in BY_KEY[kind].search(viewer, text)]


@pytest.mark.parametrize("kind", ["grants", "requests", "contracts"])
def test_finding_rows_through_each_tables_indexes_first_changes_no_answer_nor_its_order(
    auditor, area, iam, monkeypatch, kind
):
    """The narrowing to rows some table's index says may match is a superset of the matches: the
    same records, in the same order, as matching every visible row, with the lookups shared or not."""
    okafor = UserFactory(business_area=area, first_name="Dana", last_name="Okafor")
    oakley = UserFactory(business_area=area, first_name="Dan", last_name="Oakley")
    claims = make_asset(manager=iam, business_area=area, name="Claims")
    pensions = make_asset(manager=iam, business_area=area, name="Pension payments")
    for holder, asset in ((okafor, claims), (oakley, claims), (okafor, pensions), (oakley, pensions)):
        make_grant(holder, asset=asset)
    make_contract(reference="DWP-RES-2031-014", title="Claims outcomes")
    make_contract(reference="DWP-RES-2031-015", title="Pension outcomes")
    narrowed = {text: _found(kind, auditor, text) for text in ACROSS}
    with one_search():
        shared = {text: _found(kind, auditor, text) for text in ACROSS}
    monkeypatch.setattr(matching, "_candidates", lambda *args, **kwargs: None)
    every_row = {text: _found(kind, auditor, text) for text in ACROSS}
    assert narrowed == every_row == shared
    if kind != "contracts":
        assert narrowed["Claims Okafor"] and narrowed["Okafr"] and not narrowed["nothing"]


@pytest.mark.parametrize(
    ("key", "table"), [("grants", "governance_accessgrant"), ("requests", "governance_accessrequest")]
)
def test_grants_and_requests_are_found_through_the_assets_and_peoples_indexes(auditor, area, iam, key, table):
    """Their words span tables: the rows that may match are found from the asset's and the person's
    indexes (and a request's purpose's), never by reading every grant or request."""
    make_grant(UserFactory(business_area=area, last_name="Okafor"), asset=make_asset(manager=iam, business_area=area))
    sql, params = BY_KEY[key].search(auditor, "benefit").order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Seq Scan on {table}" not in plan, plan
    for index in ("search_asset_name_words", "search_user_name_words", "search_user_last_trgm"):
        assert index in plan, plan


@pytest.mark.parametrize("kind", ["grants", "requests", "contracts", "people", "assets"])
def test_the_first_rows_ranked_once_per_name_are_the_searchs_first_rows_and_count(auditor, area, iam, kind):
    """The grouped page ranks each distinct name once (``first_rows``): the same rows, in the same
    order, and the same count as ranking every matched row, ties and references included."""
    okafor = UserFactory(business_area=area, first_name="Dana", last_name="Okafor")
    oakley = UserFactory(business_area=area, first_name="Dan", last_name="Oakley")
    UserFactory(business_area=area, first_name="Dana", last_name="Okafor", staff_number=None)
    claims = make_asset(manager=iam, business_area=area, name="Claims")
    pensions = make_asset(manager=iam, business_area=area, name="Pension payments")
    make_asset(manager=iam, business_area=BusinessAreaFactory(), name="Claims", description="Claims by claimants")
    for holder, asset in ((okafor, claims), (oakley, claims), (okafor, pensions), (oakley, pensions)):
        make_grant(holder, asset=asset)
    make_contract(reference="DWP-RES-2031-014", title="Claims outcomes")
    make_contract(reference="DWP-RES-2031-015", title="Pension outcomes")
    search = BY_KEY[kind]
    for text in ACROSS:
        for limit in (1, 2, 5):
            with one_search():
                count, rows = search.first(auditor, text, limit)
            every = search.search(auditor, text)
            assert (count, rows) == (every.count(), list(every[:limit])), (text, limit)


def test_the_rows_query_is_compiled_once_and_reads_the_same_rows_and_related_records(auditor, area, iam):
    """Each kind's query reading its first rows whole holds nothing of the person or the words, so it
    is compiled once (``first_rows._COMPILED``); read again from that SQL, the rows, their related
    records (described without a query) and the counts are the same as when it was compiled."""
    okafor = UserFactory(business_area=area, first_name="Dana", last_name="Okafor")
    claims = make_asset(manager=iam, business_area=area, name="Claims")
    make_grant(okafor, asset=claims)
    make_contract(reference="DWP-RES-2031-014", title="Claims outcomes")
    first_rows._COMPILED.clear()

    def described(text: str) -> list:
        with one_search():
            found = [(kind.key, *kind.first(auditor, text, 5)) for kind in KINDS]
        with CaptureQueriesContext(connection) as captured:
            results = [(key, count, [BY_KEY[key].describe(row) for row in rows]) for key, count, rows in found]
        assert not captured.captured_queries
        return results

    fresh = {text: described(text) for text in ("Claims", "Okafor")}
    compiled = dict(first_rows._COMPILED)
    assert len(compiled) == len({(kind.key, kind.related) for kind in KINDS})
    again = {text: described(text) for text in ("Okafor", "Claims")}
    assert again == fresh
    assert all(first_rows._COMPILED[key] is done for key, done in compiled.items())
    assert any(count for results in fresh.values() for _, count, _ in results)
