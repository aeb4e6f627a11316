"""How typed words match a record's names, references and descriptions.

On PostgreSQL: full-text search (the ``simple`` configuration, since names and references are
not English words to be stemmed) over the record's words, or trigram word similarity on its
names and references, so that "Okafr" still finds Okafor and "RES-2026-14" finds
"DWP-RES-2026-014"; the best matches first. Elsewhere (SQLite in development): every typed
word must appear, case-insensitively, in one of the record's fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.db import connection
from django.db.models import BooleanField, Case, F, IntegerField, Lookup, Q, QuerySet, Value, When
from django.db.models.expressions import OrderBy, RawSQL
from django.db.models.functions import Greatest

from governance.access.selectors import overseen_assets_listed_once

MAX_WORDS = 8


@dataclass(frozen=True)
class Ranking:
    """How a kind's records are matched and put in order, as every path of the search reads them:
    ``names`` the short fields people type part of (names, references), ``words`` every field searched
    by word, ``order`` the tie-breaks (the only order on SQLite), ``related`` the records read with
    each result to describe it."""

    names: tuple[str, ...]
    words: tuple[str, ...]
    order: tuple[str, ...]
    related: tuple[str, ...] = ()


def matching(
    queryset: QuerySet,
    text: str,
    *,
    names: tuple[str, ...],
    words: tuple[str, ...],
    order: tuple[str, ...],
    also: Q | None = None,
) -> QuerySet:
    """The rows of ``queryset`` that ``text`` matches, best first on PostgreSQL.

    ``names`` are short fields people type part of (names, references); ``words`` are every
    field searched by word (the names and longer descriptions); ``also`` is an extra match
    (a reference such as INC-00012 given as its number) that counts whatever the words;
    ``order`` breaks ties (and is the only order on SQLite).
    """
    if connection.vendor == "postgresql":
        found = _postgres(queryset, text, names=names, words=words, also=also)
        ranking: list[str | OrderBy] = [
            F("search_similarity").desc(nulls_last=True),
            F("search_rank").desc(),
            *order,
        ]
        if also is not None:
            # A record named by its reference comes first, then the closest names, then the best words.
            found = found.annotate(
                search_reference=Case(When(also, then=Value(1)), default=Value(0), output_field=IntegerField())
            )
            ranking.insert(0, F("search_reference").desc())
        return found.order_by(*ranking)
    terms = text.split()[:MAX_WORDS]
    every_word = reduce(and_, (reduce(or_, (Q(**{f"{f}__icontains": t}) for f in words)) for t in terms))
    return queryset.filter(every_word | also if also is not None else every_word).order_by(*order)


class ContainsIgnoringCase(Lookup):
    """``field ILIKE '%text%'``: what the trigram indexes answer.

    Django's ``icontains`` writes ``UPPER(field) LIKE UPPER('%text%')`` on PostgreSQL, which
    an index on the field itself cannot serve, so every search read every row.
    """

    lookup_name = "search_contains"
    prepare_rhs = False

    @property
    def output_field(self):
        return BooleanField()

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def _contains(name: str, text: str) -> ContainsIgnoringCase:
    pattern = f"%{connection.ops.prep_for_like_query(text)}%"
    return ContainsIgnoringCase(F(name), Value(pattern))


NEGATION = re.compile(r"(?:^|[\s\"(])-")
"""A word typed with a leading minus: websearch's "not", which a record lacking every word can match."""

SHARED_IDS = 1000
"""Up to this many ids a related table matches are listed once and shared by the kinds joining it."""

_shared: ContextVar[dict | None] = ContextVar("search_shared_ids", default=None)

FEW_VISIBLE = "search_few_visible"
"""Where a statement kept for a person who sees part of a kind's records says whether that part is small
(``statements`` writes it in); the candidates are then not looked up at all (``unless_few_visible``)."""

_gated: ContextVar[bool] = ContextVar("search_candidates_gated", default=False)


@contextmanager
def one_search() -> Iterator[None]:
    """Within it, the rows of a related table that the words match (assets by name, people by
    name) are asked once and shared by every kind joining that table (grants and requests), and
    so are the assets the person manages or oversees, which both kinds' selectors restrict by."""
    token = _shared.set({})
    try:
        with overseen_assets_listed_once():
            yield
    finally:
        _shared.reset(token)


@contextmanager
def independently() -> Iterator[None]:
    """Within it, nothing is shared from ``one_search``: every table's matching rows are a subquery of
    the statement itself, as a statement kept for later searches (``statements``) must have them."""
    token = _shared.set(None)
    try:
        yield
    finally:
        _shared.reset(token)


@contextmanager
def unless_few_visible() -> Iterator[None]:
    """Within it, the candidates (``_candidates``) are a condition only where ``FEW_VISIBLE`` is false.

    The candidates are found through every table's indexes so that the matches of a kind's whole table
    need not be checked one by one. For a person who sees only a few of its records, checking those few
    is the cheaper way: a contract's reference ("SCALE-00012") is like half of all 2,000 references by
    its trigrams, and finding those 1,100 took 3 ms, for a contract manager's 49 contracts. The candidates
    are a superset of the matches, so the rows found are the same either way."""
    token = _gated.set(True)
    try:
        yield
    finally:
        _gated.reset(token)


def _related(model, relation: str):
    """The model ``relation`` ("asset", "holder") leads to from ``model``."""
    for step in relation.split("__"):
        model = model._meta.get_field(step).related_model
    return model


def _matching_ids(
    target, text: str, query: SearchQuery, *, words: tuple[str, ...], names: tuple[str, ...], share: bool
):
    """The ids of ``target``'s rows whose ``words`` hold a typed word or whose ``names`` are like
    the text: one UNION whose every branch is a condition one index answers; listed once per
    search and shared if ``share`` (a related table) and few enough."""
    found = target._base_manager.order_by()
    branches = []
    if words:
        vector = SearchVector(*words, config="simple")
        branches.append(found.annotate(search_part=vector).filter(search_part=query).values("pk"))
    for column in names:
        branches.append(found.filter(**{f"{column}__trigram_word_similar": text}).values("pk"))
        branches.append(found.filter(_contains(column, text)).values("pk"))
    ids = branches[0].union(*branches[1:])
    shared = _shared.get()
    if shared is None or not share:
        return ids
    key = (target._meta.label, words, names, text)
    if key not in shared:
        listed = list(ids.values_list("pk", flat=True)[: SHARED_IDS + 1])
        shared[key] = listed if len(listed) <= SHARED_IDS else ids
    return shared[key]


def _candidates(queryset: QuerySet, text: str, *, names, words, also: Q | None) -> Q | None:
    """Rows that may match, found through each table's own indexes: a superset of the matches.

    The words of grants and requests span tables (an asset's name, a person's), so no index
    holds their whole document, and a word matched across joined tables read every row. A
    row matches the full-text query only if one of its tables' part of the document holds one
    of the typed words (unless a word is negated: then there is no such superset and None is
    returned), and matches a name's similarity or substring only through that field. So each
    table is asked by its own indexes, and the rows are taken by the ids found (by the asset's
    and holder's indexes); the exact match and the ranking then run on those rows only.
    """
    if NEGATION.search(text):
        return None
    tables: dict[str, tuple[list[str], list[str]]] = {}
    for path in words:
        relation, _, column = path.rpartition("__")
        tables.setdefault(relation, ([], []))[0].append(column)
    if list(tables) == [""]:
        # Every word in the kind's own table: its whole match is answered from its indexes as it is.
        return None
    for path in names:
        relation, _, column = path.rpartition("__")
        tables.setdefault(relation, ([], []))[1].append(column)
    query = reduce(or_, (SearchQuery(piece, config="simple", search_type="plain") for piece in text.split()))
    model = queryset.model
    branches: list[QuerySet] = []
    for relation, (table_words, table_names) in tables.items():
        target = _related(model, relation) if relation else model
        ids = _matching_ids(
            target, text, query, words=tuple(table_words), names=tuple(table_names), share=bool(relation)
        )
        branches.append(
            model._base_manager.filter(**{f"{relation}__in": ids}).order_by().values("pk") if relation else ids
        )
    if also is not None:
        branches.append(model._base_manager.filter(also).order_by().values("pk"))
    candidates = Q(pk__in=branches[0].union(*branches[1:]))
    if _gated.get():
        # The marker first: PostgreSQL evaluates an OR's terms in their order, so the candidates are never
        # looked up when it holds.
        return Q(RawSQL(FEW_VISIBLE, (), output_field=BooleanField())) | candidates  # noqa: S611 - a fixed marker
    return candidates


def matched(queryset: QuerySet, text: str, *, names, words, also: Q | None) -> QuerySet:
    """The rows of ``queryset`` that ``text`` matches on PostgreSQL, unranked."""
    candidates = _candidates(queryset, text, names=names, words=words, also=also)
    if candidates is not None:
        queryset = queryset.filter(candidates)
    query = SearchQuery(text, config="simple", search_type="websearch")
    # The document is only matched and ranked, never read: an alias, so no row computes it again to return it.
    queryset = queryset.alias(search_vector=SearchVector(*words, config="simple"))
    # The indexes find the rows; PostgreSQL then checks each found row against the whole condition,
    # left to right until one part holds. So the cheapest come first: the reference, a plain
    # substring, the word similarity ("%>", above pg_trgm's threshold), and last the full text,
    # which parses the whole document again. A common word in a name (5,000 data items named
    # "benefit_type") is then settled by the substring, without parsing 5,000 documents.
    checks = [also] if also is not None else []
    checks += [Q(_contains(name, text)) for name in names]
    checks += [Q(**{f"{name}__trigram_word_similar": text}) for name in names]
    checks.append(Q(search_vector=query))
    return queryset.filter(reduce(or_, checks))


def _postgres(queryset: QuerySet, text: str, *, names, words, also: Q | None) -> QuerySet:
    query = SearchQuery(text, config="simple", search_type="websearch")
    similarity = [TrigramWordSimilarity(text, name) for name in names]
    return (
        matched(queryset, text, names=names, words=words, also=also)
        .annotate(search_similarity=Greatest(*similarity) if len(similarity) > 1 else similarity[0])
        .annotate(search_rank=SearchRank(F("search_vector"), query))
    )
