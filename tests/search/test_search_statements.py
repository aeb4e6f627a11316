"""On PostgreSQL each kind's statement is kept per shape of search and prepared on the connection:
kept statements carry nothing of the person who first ran them, nor of the words they were built for."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from governance.core import prepared
from governance.search import first_rows, statements
from governance.search.first_rows import first_matches, ranked_prefix
from governance.search.kinds import BY_KEY, KINDS
from governance.search.matching import one_search
from governance.search.results import search_everything
from tests.factories import (
    BusinessAreaFactory,
    DataItemFactory,
    UserFactory,
    contract_manager,
    make_asset,
    make_contract,
    make_grant,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="statements are kept on PostgreSQL only"),
]


@pytest.fixture(autouse=True)
def _nothing_kept_from_before():
    with statements.forgotten():
        yield


def _first(kind: str, viewer, text: str, limit: int = 5) -> tuple[int, list[int]]:
    with one_search():
        count, rows = BY_KEY[kind].first(viewer, text, limit)
    return count, [row.pk for row in rows]


def _built_afresh(kind: str, viewer, text: str, limit: int = 5) -> tuple[int, list[int]]:
    """The same search built from its querysets, as before statements were kept."""
    found = BY_KEY[kind]
    count, rows = first_matches(found.records(viewer), text, found.ranking, also=found.reference(text), limit=limit)
    return count, [row.pk for row in rows]


def test_a_statement_kept_from_one_managers_search_shows_another_only_their_own_contracts(staff):
    """As an attacker would try it: the statement one contract manager's search left behind, run for
    another with the very same shape (one word, the same restricted view), must answer with the
    second manager's contracts only; and for someone with no contracts, none at all."""
    first, second = contract_manager(), contract_manager()
    mine = [make_contract(manager=first, reference=f"DWP-RES-2031-01{n}", title="Claims outcomes") for n in range(3)]
    theirs = [make_contract(manager=second, reference=f"DWP-RES-2031-02{n}", title="Claims outcomes") for n in range(2)]

    assert _first("contracts", first, "Claims") == (3, sorted(c.pk for c in mine))
    kept = dict(statements._KEPT)
    assert [shape.restricted for shape in kept if shape.kind == "contracts"] == [True]

    assert _first("contracts", second, "Claims") == (2, sorted(c.pk for c in theirs))
    assert _first("contracts", staff, "Claims") == (0, [])
    # The very statement was reused, not built again for them.
    assert {shape: statement for shape, statement in statements._KEPT.items() if shape in kept} == kept
    assert len([shape for shape in statements._KEPT if shape.kind == "contracts"]) == 1


def test_the_person_who_sees_everything_and_one_who_does_not_get_different_statements(auditor, staff):
    """Oversight's statement has no restriction to what a person sees: it must never serve anyone else."""
    make_contract(reference="DWP-RES-2031-014", title="Claims outcomes")
    assert _first("contracts", auditor, "Claims")[0] == 1
    assert _first("contracts", staff, "Claims") == (0, [])
    shapes = {shape.restricted for shape in statements._KEPT if shape.kind == "contracts"}
    assert shapes == {False, True}


def test_one_persons_grants_stay_theirs_through_a_kept_statement(area):
    """Grants are listed by the selector as ids: a holder sees their own, never the other's."""
    claims = make_asset(manager=None, business_area=area, name="Claims")
    one, other = UserFactory(business_area=area), UserFactory(business_area=area)
    own = make_grant(one, asset=claims)
    theirs = make_grant(other, asset=claims)
    assert _first("grants", one, "Claims") == (1, [own.pk])
    assert _first("grants", other, "Claims") == (1, [theirs.pk])


SEARCHES = ("Claims", "Okafor", "Claims Okafor", "Okafr", "claims -Okafor", "-Okafor", "laim", "Grant 1", "50%", "t_5")


@pytest.mark.parametrize("kind", [kind.key for kind in KINDS])
def test_kept_statements_find_what_the_search_built_afresh_finds_for_each_person(auditor, staff, area, iam, kind):
    """The same records, in the same order, and the same counts, for someone who sees everything and
    for people who see part, whatever the text's shape, the kept statement reused from search to search."""
    okafor = UserFactory(business_area=area, first_name="Dana", last_name="Okafor")
    claims = make_asset(manager=iam, business_area=area, name="Claims", description="Claims at 50% rate")
    other = make_asset(manager=None, business_area=BusinessAreaFactory(), name="Claims outcomes")
    make_grant(okafor, asset=claims)
    make_grant(staff, asset=other)
    make_contract(manager=contract_manager(), reference="DWP-RES-2031-014", title="Claims outcomes")
    for viewer in (auditor, staff, iam, okafor):
        for text in SEARCHES:
            for limit in (1, 5):
                assert _first(kind, viewer, text, limit) == _built_afresh(kind, viewer, text, limit), (viewer, text)


def test_a_statement_whose_values_do_not_all_come_from_the_shape_is_not_kept(auditor):
    """A value worked out from the text in Python (here upper-cased) cannot be put in its place later:
    such a statement is refused, and the search is built afresh."""
    contracts = BY_KEY["contracts"]
    shape = statements.Shape("contracts", 1, False, False, False, 5, "default")

    def derived(queryset, text, also):
        return ranked_prefix(
            queryset.filter(title__startswith=text.upper()), text, contracts.ranking, also=also, limit=5
        )

    assert statements._build(shape, contracts.records(auditor).model, derived) is None


def test_statements_are_prepared_on_their_second_run_and_the_plan_mode_is_set_back(auditor, area):
    claims = make_asset(manager=None, business_area=area, name="Claims")
    DataItemFactory(asset=claims, name="claims_made", description="Claims made")
    for _ in range(3):
        groups = search_everything(auditor, "Claims")
    assert {group.kind.key: group.count for group in groups}["assets"] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%%search_top%%'")
        prepared = " ".join(statement for (statement,) in cursor.fetchall())
        cursor.execute("SHOW plan_cache_mode")
        (mode,) = cursor.fetchone()
    tables = {kind.records(auditor).model._meta.db_table for kind in KINDS}
    assert {table for table in tables if f'SELECT "{table}"."id" AS "search_pk"' in prepared} == tables
    assert mode == "auto"


@pytest.mark.parametrize("failing", [None, "accessgrant"])
def test_the_plan_mode_is_set_back_when_a_search_fails(auditor, monkeypatch, failing):
    """Whether the search fails at its first statement or at the grants' (after hash joins were turned off),
    the session's settings are set back."""
    read = statements.read_first

    def fails(model, *args, **kwargs):
        if failing is None or model._meta.model_name == failing:
            raise RuntimeError("the database went away")
        return read(model, *args, **kwargs)

    monkeypatch.setattr(statements, "read_first", fails)
    with pytest.raises(RuntimeError):
        search_everything(auditor, "Claims")
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)
        cursor.execute("SHOW enable_hashjoin")
        assert cursor.fetchone() == ("on",)


def test_a_kept_statement_runs_as_one_query_logged_like_any_other(auditor, area):
    make_asset(manager=None, business_area=area, name="Claims")
    _first("assets", auditor, "Claims")
    with CaptureQueriesContext(connection) as captured:
        assert _first("assets", auditor, "Claims")[0] == 1
    assert len([query for query in captured.captured_queries if "search_top" in query["sql"]]) == 1


def test_nothing_is_prepared_behind_a_pooler_in_transaction_mode(auditor, area, monkeypatch):
    """Behind PgBouncer in transaction mode (``DB_TRANSACTION_POOLER``) a statement prepared on one server
    connection could be missing on the next transaction's: the search's statements are then sent as
    every other statement is, unprepared, and find the same."""
    make_asset(manager=None, business_area=area, name="Claims")
    assert prepared.may_prepare(connection)
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    assert not prepared.may_prepare(connection)

    def refused(*args, **kwargs):
        raise AssertionError("a statement was prepared behind a pooler")

    monkeypatch.setattr(first_rows, "fetch_all", refused)
    for _ in range(3):
        groups = search_everything(auditor, "Claims")
    assert {group.kind.key: group.count for group in groups}["assets"] == 1


def _settings(sql_list: list[str]) -> list[str]:
    return [sql for sql in sql_list if sql.startswith(("SET ", "RESET "))]


def test_everyones_requests_and_grants_are_joined_row_by_row_and_hash_joins_come_back(auditor, area):
    """For oversight, the requests' and grants' statements run on a generic plan made with hash joins off;
    every other statement with them on, and the session is set back after the search."""
    make_asset(manager=None, business_area=area, name="Claims")
    with CaptureQueriesContext(connection) as captured:
        search_everything(auditor, "Claims")
    ran = [query["sql"] for query in captured.captured_queries]
    off = ran.index("SET enable_hashjoin = off")
    on = ran.index("SET enable_hashjoin = on")
    between = " ".join(ran[off:on])
    assert '"governance_accessrequest"."id" AS "search_pk"' in between
    assert '"governance_accessgrant"."id" AS "search_pk"' in between
    assert '"governance_researchcontract"."id" AS "search_pk"' not in between
    assert '"governance_user"."id" AS "search_pk"' not in between
    assert _settings(ran)[-2:] == ["RESET plan_cache_mode", "RESET enable_hashjoin"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_hashjoin")
        assert cursor.fetchone() == ("on",)


def test_someone_who_sees_a_few_contracts_has_those_read_first_for_a_reference(auditor):
    """For a reference, a contract manager's kept statement reads their contracts first and looks up the
    candidates only when they see more than ``FEW``; the auditor's has no such condition, nor has the
    manager's for a plain word, whose candidates are few."""
    manager = contract_manager()
    make_contract(manager=manager, reference="DWP-RES-2031-014", title="Claims outcomes")
    with CaptureQueriesContext(connection) as captured:
        _first("contracts", manager, "RES-2031-014")
        _first("contracts", auditor, "RES-2031-014")
        _first("contracts", manager, "Claims")
    mine, everyones, word = [query["sql"] for query in captured.captured_queries if "search_top" in query["sql"]]
    few = f"(SELECT COUNT(*) <= {statements.FEW} FROM (SELECT FROM search_visible LIMIT {statements.FEW + 1})"  # noqa: S608
    assert mine.startswith("WITH search_visible AS MATERIALIZED (")
    # The count comes first in the OR, so that the candidates' union is never run when it holds.
    after = mine.split(f"{few} AS search_few) OR ", 1)[1]
    assert after.startswith('"governance_researchcontract"."id" IN (((SELECT')
    assert "search_visible" not in everyones and "search_few" not in everyones
    assert "search_few" not in word


@pytest.mark.parametrize("few", [0, 1, 200])
def test_the_few_read_first_or_through_the_candidates_find_what_the_search_built_afresh_finds(
    staff, area, iam, monkeypatch, few
):
    """Whether a person's contracts count as few or not, the kept statement finds what the search built
    afresh finds, in the same order."""
    monkeypatch.setattr(statements, "FEW", few)
    manager = contract_manager()
    for n in range(4):
        make_contract(manager=manager, reference=f"DWP-RES-2031-0{n}4", title=f"Claims outcomes {n}")
    make_contract(manager=contract_manager(), reference="DWP-RES-2031-099", title="Claims elsewhere")
    for text in ("Claims", "DWP-RES-2031-014", "RES-2031", "outcomes 2", "-Claims", "nothing"):
        for limit in (1, 5):
            assert _first("contracts", manager, text, limit) == _built_afresh("contracts", manager, text, limit), text


def _plan_of_people(viewer) -> str:
    """The plan mode the session was in when the people's statement ran in ``viewer``'s search."""
    with CaptureQueriesContext(connection) as captured:
        search_everything(viewer, "Okafor")
    mode = "auto"
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.startswith("SET plan_cache_mode = "):
            mode = sql.removeprefix("SET plan_cache_mode = ")
        if '"governance_user"."id" AS "search_pk"' in sql:
            return mode
    raise AssertionError("the people's statement did not run")


def test_people_are_found_on_the_generic_plan_only_by_someone_who_sees_a_few(staff, deputy_siro, auditor, area):
    """Someone who oversees no area sees themselves and their line reports: their statement runs on its
    generic plan; a Deputy SIRO's (an area's people) and oversight's (everyone) are planned afresh."""
    UserFactory(business_area=area, first_name="Dana", last_name="Okafor")
    assert _plan_of_people(staff) == "force_generic_plan"
    assert _plan_of_people(deputy_siro) == "force_custom_plan"
    assert _plan_of_people(auditor) == "force_custom_plan"


@pytest.mark.django_db(transaction=True)
def test_a_plan_mode_made_before_a_setting_that_fails_is_set_back(monkeypatch):
    """Entering the row-by-row mode makes two settings; when the second fails, the first is set back too
    (outside a transaction, as a page's search runs, where nothing undoes a setting but ``reset``)."""
    monkeypatch.setitem(prepared._MODES, prepared.ROW_BY_ROW, ("force_generic_plan", "not-a-setting"))
    with pytest.raises(DatabaseError), prepared.plan_modes(connection):
        prepared.use_generic(connection, prepared.ROW_BY_ROW)
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)
        cursor.execute("SHOW enable_hashjoin")
        assert cursor.fetchone() == ("on",)
