"""A kind's first matches and how many there are, ranked once per distinct name on PostgreSQL.

Ranking is what a common word costs: 5,000 data items named "benefit_type" each had their
word similarity computed and their whole document parsed again for its full-text rank,
only for five of them to be shown. A row's similarity and rank depend on nothing but the
fields it is ranked by (its names and words), and those repeat (a data dictionary's field
names, an asset's name on each of its grants). So one query lists the matched rows narrowly
(their id, the fields ranked and the fields ordered by), ranks their distinct names and
words, gives each row its names' ranking through a hash join, keeps the first rows sorted
exactly as ``matching`` sorts them (the same expressions on the same values, the same
tie-breaks), and only then reads those few rows whole, with their related records. One
query per kind, as before, still carrying the count of every match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, FloatField, IntegerField, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE, MULTI
from django.db.models.sql.query import Query

from governance.core.prepared import fetch_all, may_prepare
from governance.search.matching import Ranking, matched, matching

TOP = "search_top"


@dataclass(frozen=True)
class _Compiled:
    """The rows query's SQL and what Django's iterable reads rows by (its columns, the related
    records' places among them, the annotations'), as compiled once."""

    sql: str
    params: tuple
    select: list
    klass_info: dict
    annotation_col_map: dict
    col_count: int
    has_extra_select: bool


_ROWS: dict[tuple, Query] = {}
"""The query reading a kind's first rows whole, per model and related records: built once, since
it holds nothing of the person or the words (those are all in the prefix)."""

_COMPILED: dict[tuple, _Compiled] = {}
"""That query compiled, per model, related records and database: compiling eight of them was a
tenth of the page's time."""


class _Prefixed(Query):
    """A query whose SQL runs after ``prefix``'s common table expressions (rows still become model
    instances, with their related records, through Django's own iterable). Its own SQL is compiled
    once per ``key`` and database, as it never changes."""

    prefix: tuple[str, tuple]
    key: tuple

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler = super().get_compiler(using, connection, elide_empty)
        plain = compiler.as_sql
        key = (*self.key, compiler.connection.alias, compiler.connection.vendor)

        def as_sql(with_limits=True, with_col_aliases=False):
            done = _COMPILED.get(key)
            if done is None:
                sql, params = plain(with_limits, with_col_aliases)
                done = _COMPILED[key] = _Compiled(
                    sql,
                    tuple(params),
                    compiler.select,
                    compiler.klass_info,
                    compiler.annotation_col_map,
                    compiler.col_count,
                    compiler.has_extra_select,
                )
            else:
                compiler.select, compiler.klass_info = done.select, done.klass_info
                compiler.annotation_col_map, compiler.col_count = done.annotation_col_map, done.col_count
                compiler.has_extra_select = done.has_extra_select
            return f"{self.prefix[0]} {done.sql}", (*self.prefix[1], *done.params)

        compiler.as_sql = as_sql  # type: ignore[method-assign]
        connection = compiler.connection
        if may_prepare(connection):
            run = compiler.execute_sql

            def execute_sql(result_type=MULTI, chunked_fetch=False, chunk_size=GET_ITERATOR_CHUNK_SIZE):
                """The rows by a prepared statement (``prepared``), given as Django's own reading gives them."""
                if result_type != MULTI:
                    return run(result_type, chunked_fetch, chunk_size)
                sql, params = as_sql()
                rows = fetch_all(connection, sql, params)
                return [[row[: compiler.col_count] for row in rows] if compiler.has_extra_select else rows]

            compiler.execute_sql = execute_sql  # type: ignore[method-assign]
        return compiler


def _rows_query(model, related: tuple[str, ...]) -> Query:
    """The query reading the rows ``search_top`` names whole, with their ``related`` records and
    their place, similarity, rank and the count (built once per model and related records)."""
    key = (model._meta.label, related)
    query = _ROWS.get(key)
    if query is None:
        # PostgreSQL's quoting (only PostgreSQL comes here), as ``connection.ops.quote_name`` writes it.
        this = f'"{model._meta.db_table}"."{model._meta.pk.column}"'

        def of_top(column: str, output_field) -> RawSQL:
            sql = f"SELECT t.{column} FROM {TOP} t WHERE t.search_pk = {this}"  # noqa: S608 - names from code, no input
            return RawSQL(sql, (), output_field=output_field)  # noqa: S611 - names from code, no input

        rows = model._default_manager.select_related(*related).annotate(
            search_similarity=of_top("search_similarity", FloatField()),
            search_rank=of_top("search_rank", FloatField()),
            search_total=of_top("search_total", IntegerField()),
            search_position=of_top("search_position", IntegerField()),
        )
        # The few rows are put in order here, so the outer query needs no ordering of its own.
        rows = rows.filter(pk__in=RawSQL(f"SELECT search_pk FROM {TOP}", ())).order_by()  # noqa: S611 S608 - no input
        query = _ROWS[key] = rows.query
    return query


def first_matches(queryset: QuerySet, text: str, ranking: Ranking, *, also: Q | None, limit: int) -> tuple[int, list]:
    """How many rows of ``queryset`` ``text`` matches, and the first ``limit`` of them in
    ``matching``'s order, with their related records (one query)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        searched = matching(
            queryset.select_related(*ranking.related),
            text,
            names=ranking.names,
            words=ranking.words,
            order=ranking.order,
            also=also,
        )
        first = list(searched.annotate(search_total=Window(Count("pk")))[:limit])
        return (first[0].search_total if first else 0), first
    try:
        prefix = ranked_prefix(queryset, text, ranking, also=also, limit=limit)
    except EmptyResultSet:
        return 0, []
    return read_first(queryset.model, ranking.related, prefix, connection)


def ranked_prefix(queryset: QuerySet, text: str, ranking: Ranking, *, also: Q | None, limit: int) -> tuple[str, tuple]:
    """The common table expressions ranking the rows of ``queryset`` that ``text`` matches and
    keeping the first ``limit`` (``search_top``), as SQL and parameters; raises EmptyResultSet
    when nothing can match. ``statements`` compiles it once per shape of search."""
    connection = connections[queryset.db]
    names, words, order = ranking.names, ranking.words, ranking.order
    keys = tuple(dict.fromkeys((*words, *names)))
    narrow: dict[str, F | Q] = {
        "search_pk": F("pk"),
        **{f"search_key_{n}": F(path) for n, path in enumerate(keys)},
        **{f"search_order_{n}": F(field.removeprefix("-")) for n, field in enumerate(order)},
    }
    if also is not None:
        narrow["search_reference"] = Q(also)
    listed = matched(queryset, text, names=names, words=words, also=also).order_by().values(**narrow)
    sql, params = listed.query.get_compiler(connection=connection).as_sql()
    return _ranked(
        sql,
        tuple(params),
        text=text,
        keys=keys,
        names=names,
        words=words,
        order=order,
        referenced=also is not None,
        limit=limit,
        nullable=frozenset(path for path in keys if _may_be_null(queryset.model, path)),
        grouped=any("__" in path for path in words),
    )


def read_first(model, related: tuple[str, ...], prefix: tuple[str, tuple], connection) -> tuple[int, list]:
    """The rows ``prefix``'s ``search_top`` names, read whole with their ``related`` records, in their
    order, and the count of every match they carry."""
    query = cast(_Prefixed, _rows_query(model, related).chain(klass=_Prefixed))
    query.prefix = prefix
    query.key = (model._meta.label, related)
    rows = model._default_manager.db_manager(connection.alias).all()
    rows.query = query
    found = sorted(rows, key=lambda row: row.search_position)
    return (found[0].search_total if found else 0), found


def _ranked(
    sql: str,
    params: tuple,
    *,
    text: str,
    keys: tuple[str, ...],
    names: tuple[str, ...],
    words: tuple[str, ...],
    order: tuple[str, ...],
    referenced: bool,
    limit: int,
    nullable: frozenset[str],
    grouped: bool,
) -> tuple[str, tuple]:
    """The common table expressions that rank ``sql``'s matched rows by their distinct names and
    words and keep the first ``limit`` (``search_top``: id, similarity, rank, count, position).

    Where the words span tables (``grouped``: grants, requests, contracts) the matched rows come from
    a union of index lookups that PostgreSQL estimates at one row, and joining them back to their
    ranked names was planned as a nested loop (374 grants' names compared with 371 ranked names,
    24 ms): their rows are gathered beside their names' ranking and unnested instead. Elsewhere the
    estimates hold, and the join (hashed) is the faster: 5,000 data items named alike are one group,
    whose gathering took twice as long as the join."""
    key = {path: f"search_key_{n}" for n, path in enumerate(keys)}
    similarity, rank, ranked = ranking_sql([f"d.{key[name]}" for name in names], [f"d.{key[w]}" for w in words], text)
    distinct = ", ".join(key.values())

    def ordered(rows: str, ranks: str) -> str:
        """``matching``'s order: the named reference first, the closest names, the best words, then ``order``."""
        ranking = [f"{ranks}.search_similarity DESC NULLS LAST", f"{ranks}.search_rank DESC"]
        if referenced:
            ranking.insert(0, f"{rows}.search_reference DESC")
        ranking += [f"{rows}.search_order_{n} {'DESC' if f.startswith('-') else 'ASC'}" for n, f in enumerate(order)]
        return ", ".join(ranking)

    if not grouped:
        return _joined(
            sql,
            params,
            key=key,
            nullable=nullable,
            ordered=ordered,
            distinct=distinct,
            similarity=similarity,
            rank=rank,
            ranked=ranked,
            referenced=referenced,
            order=order,
            limit=limit,
        )
    carried = [
        "search_pk",
        *(["search_reference"] if referenced else []),
        *(f"search_order_{n}" for n in range(len(order))),
    ]
    listed = ", ".join(f"ARRAY_AGG(m.{column}) AS {column}" for column in carried)
    # Every name written in is an alias made here or Django's compiled SQL; the typed text is a parameter.
    prefix = (
        f"WITH m AS MATERIALIZED ({sql}), "  # noqa: S608
        # Each distinct set of names and words (grouped as DISTINCT would, nulls together) ranked once,
        # with what orders its rows gathered beside it: its rows are given their ranking by unnesting
        # those lists, not by joining the matched rows back on their names and words. The join's plan
        # rested on estimates of the matched rows, which a union of index lookups leaves at one row: a
        # nested loop then compared 374 grants' names with 371 ranked names (24 ms).
        f"r AS MATERIALIZED (SELECT {similarity} AS search_similarity, {rank} AS search_rank, "
        f"{', '.join(f'd.{column}' for column in carried)} "
        f"FROM (SELECT {distinct}, {listed} FROM m GROUP BY {distinct}) d), "
        # The first rows by a top-N sort of the matched rows, carrying only what orders them (not the
        # names and descriptions, which made every sorted row wide); numbered after, as the few are
        # ordered. Every matched row is in exactly one ranked group, so the count is the matched
        # rows', taken once rather than by a window over every row.
        f"search_first AS MATERIALIZED (SELECT u.*, r.search_similarity, r.search_rank "
        f"FROM r CROSS JOIN LATERAL UNNEST({', '.join(f'r.{column}' for column in carried)}) "
        f"AS u({', '.join(carried)}) ORDER BY {ordered('u', 'r')} LIMIT %s), "
        f"{TOP} AS MATERIALIZED (SELECT f.search_pk, f.search_similarity, f.search_rank, "
        f"(SELECT COUNT(*) FROM m) AS search_total, "
        f"ROW_NUMBER() OVER (ORDER BY {ordered('f', 'f')}) AS search_position FROM search_first f)"
    )
    return prefix, (*params, *ranked, limit)


def _joined(
    sql: str,
    params: tuple,
    *,
    key: dict[str, str],
    nullable: frozenset[str],
    ordered: Callable[[str, str], str],
    distinct: str,
    similarity: str,
    rank: str,
    ranked: tuple,
    referenced: bool,
    order: tuple[str, ...],
    limit: int,
) -> tuple[str, tuple]:
    """``_ranked``'s common table expressions with the matched rows joined back to their names' ranking."""
    # Equal values, or both null where a field may be null: each still a condition a hash join answers.
    joined = " AND ".join(
        f"COALESCE(m.{c}, '') = COALESCE(r.{c}, '') AND (m.{c} IS NULL) = (r.{c} IS NULL)"
        if path in nullable
        else f"m.{c} = r.{c}"
        for path, c in key.items()
    )

    carried = ", ".join(
        [
            "m.search_pk",
            *(["m.search_reference"] if referenced else []),
            *(f"m.search_order_{n}" for n in range(len(order))),
        ]
    )
    # Every name written in is an alias made here or Django's compiled SQL; the typed text is a parameter.
    prefix = (
        f"WITH m AS MATERIALIZED ({sql}), "  # noqa: S608
        f"r AS MATERIALIZED (SELECT {distinct}, {similarity} AS search_similarity, {rank} AS search_rank "
        f"FROM (SELECT DISTINCT {distinct} FROM m) d), "
        # The first rows by a top-N sort of the matched rows, carrying only what orders them (not the
        # names and descriptions joined by, which made every sorted row wide); numbered after, as the
        # few are ordered. Every matched row joins exactly one ranked row, so the count is the matched
        # rows', taken once rather than by a window over every joined row.
        f"search_first AS MATERIALIZED (SELECT {carried}, r.search_similarity, r.search_rank "
        f"FROM m JOIN r ON {joined} ORDER BY {ordered('m', 'r')} LIMIT %s), "
        f"{TOP} AS MATERIALIZED (SELECT f.search_pk, f.search_similarity, f.search_rank, "
        f"(SELECT COUNT(*) FROM m) AS search_total, "
        f"ROW_NUMBER() OVER (ORDER BY {ordered('f', 'f')}) AS search_position FROM search_first f)"
    )
    return prefix, (*params, *ranked, limit)


def ranking_sql(names: list[str], words: list[str], text: str) -> tuple[str, str, tuple]:
    """How ``matching`` ranks a record, written over the SQL columns ``names`` (the closest word
    similarity of ``text`` to any of them) and ``words`` (the full-text rank of their document), as
    ``TrigramWordSimilarity``, ``SearchVector`` and ``SearchRank`` write them, so that a row, or a
    distinct name standing for many (``item_names``), ranks as it would on its own: the similarity's
    SQL, the rank's, and their parameters in that order."""
    similarities = [f"WORD_SIMILARITY(%s, {column})" for column in names]
    similarity = similarities[0] if len(similarities) == 1 else f"GREATEST({', '.join(similarities)})"
    document = " || ' ' || ".join(f"COALESCE({column}, '')" for column in words)
    rank = f"ts_rank(to_tsvector(%s::regconfig, {document}), websearch_to_tsquery(%s::regconfig, %s))"
    return similarity, rank, (*([text] * len(names)), "simple", "simple", text)


def _may_be_null(model, path: str) -> bool:
    """Whether the field at ``path`` ("asset__name") can read as null: null itself, or through an optional relation."""
    for step in path.split("__"):
        field = model._meta.get_field(step)
        if field.null:
            return True
        model = field.related_model
    return False
