"""Data items found through the summary of their distinct names, on PostgreSQL.

A department's data dictionaries repeat themselves: 5,000 assets each hold an item named
"benefit_type", described alike. Whether a data item matches the words, and how well, depends
on its name and description alone (its kind's names are its name, its words its name and
description: ``kinds``), so the search asks the database's summary of the distinct names and
descriptions (``search_data_item_names``, kept by triggers: migration 0032) which of them match,
how each ranks and how many items have it, and only then reads the few items shown. Before, all
5,000 items were read, joined to their assets and sorted to show five: 13 ms, a third of the
search.

The items shown are those ``matching`` puts first: the best ranked names' items (every name
ranked alike at once), each set in the order of the asset's name, the item's and its id, read by
walking the assets in name order until enough are found. The count is the summary's.

Used only for someone who sees every data item: the summary counts everyone's.
"""

from __future__ import annotations

from functools import reduce
from itertools import groupby
from operator import or_

from django.db import connections
from django.db.models import F, FloatField, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber

from governance.core.prepared import fetch_all, use_generic
from governance.search.first_rows import TOP, ranking_sql, read_first
from governance.search.statements import restricts

TABLE = "search_data_item_names"

#: Names ranked alike (one tie) read through the summary; more, and the items are ranked one by one.
MOST_ALIKE = 200

# The match as ``matching`` writes it for a data item (``ContainsIgnoringCase``, the ``%>`` word similarity,
# ``SearchVector``), over the summary's columns and indexes (0032), and the ranking as every row ranks
# (``first_rows.ranking_sql``), so that a name matches and ranks as each of its items would.
_DOCUMENT = "COALESCE(s.name, '') || ' ' || COALESCE(s.description, '')"
_NAMED, _WORDS = ["s.name"], ["s.name", "s.description"]  # a data item's names and words (``kinds``)
_SIMILARITY, _RANK, _ = ranking_sql(_NAMED, _WORDS, "")
_MATCHED = (
    f"SELECT s.name, s.description, s.items, {_SIMILARITY} AS search_similarity, {_RANK} AS search_rank "  # noqa: S608
    f"FROM {TABLE} s WHERE s.name ILIKE %s OR s.name %%> %s "
    f"OR to_tsvector('simple'::regconfig, {_DOCUMENT}) @@ websearch_to_tsquery('simple'::regconfig, %s)"
)
# The matching names of the best ties: those with fewer than ``limit`` items ranked before them. Each row
# carries the count of every matching item.
_NAMES = (
    "SELECT name, description, search_similarity, search_rank, search_total FROM ("  # noqa: S608
    "SELECT name, description, search_similarity, search_rank, SUM(items) OVER () AS search_total, "
    "SUM(items) OVER (ORDER BY search_similarity DESC, search_rank DESC) "
    "- SUM(items) OVER (PARTITION BY search_similarity, search_rank) AS search_before "
    f"FROM ({_MATCHED}) matched) ranked "
    "WHERE search_before < %s ORDER BY search_similarity DESC, search_rank DESC"
)


def first_by_names(visible: QuerySet, text: str, limit: int, related: tuple[str, ...]) -> tuple[int, list] | None:
    """How many of the data items ``visible`` gives ``text`` matches, and the first ``limit`` in
    ``matching``'s order, with their ``related`` records (two queries); None where the summary cannot answer
    (not PostgreSQL, a person who sees only some items, too many names ranked alike)."""
    connection = connections[visible.db]
    if connection.vendor != "postgresql" or restricts(visible):
        return None
    use_generic(connection, False)  # planned for the words: a rare name's items by index, a common one's by asset
    like = f"%{connection.ops.prep_for_like_query(text)}%"
    ranked = ranking_sql(_NAMED, _WORDS, text)[2]
    names = fetch_all(connection, _NAMES, (*ranked, like, text, text, limit))
    if not names:
        return 0, []
    order = (F("asset__name").asc(), F("name").asc(), F("pk").asc())
    parts = []
    for place, (ranked, alike) in enumerate(groupby(names, key=lambda row: (row[2], row[3]))):
        pairs = [Q(name=name, description=description) for name, description, *_ in alike]
        if len(pairs) > MOST_ALIKE:
            return None
        similarity, rank = ranked
        parts.append(
            visible.filter(reduce(or_, pairs))
            .annotate(
                search_pk=F("pk"),
                search_tie=Value(place),
                search_place=Window(RowNumber(), order_by=list(order)),
                search_similarity=Value(similarity, output_field=FloatField()),
                search_rank=Value(rank, output_field=FloatField()),
            )
            .order_by(*order)
            .values("search_pk", "search_tie", "search_place", "search_similarity", "search_rank")[:limit]
        )
    first = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    sql, params = first.query.get_compiler(connection=connection).as_sql()
    prefix = (
        f"WITH {TOP} AS MATERIALIZED (SELECT f.search_pk, f.search_similarity, f.search_rank, "  # noqa: S608
        f"%s AS search_total, ROW_NUMBER() OVER (ORDER BY f.search_tie, f.search_place) AS search_position "
        f"FROM ({sql}) f ORDER BY f.search_tie, f.search_place LIMIT %s)"
    )
    return read_first(visible.model, related, (prefix, (names[0][4], *params, limit)), connection)
