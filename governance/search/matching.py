"""How typed words match a record's names, references and descriptions.

On PostgreSQL: full-text search (the ``simple`` configuration, since names and references are
not English words to be stemmed) over the record's words, or trigram word similarity on its
names and references, so that "Okafr" still finds Okafor and "RES-2026-14" finds
"DWP-RES-2026-014"; the best matches first. Elsewhere (SQLite in development): every typed
word must appear, case-insensitively, in one of the record's fields.
"""

from __future__ import annotations

from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.db import connection
from django.db.models import BooleanField, Case, F, IntegerField, Lookup, Q, QuerySet, Value, When
from django.db.models.expressions import OrderBy
from django.db.models.functions import Greatest

MAX_WORDS = 8


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


def _postgres(queryset: QuerySet, text: str, *, names, words, also: Q | None) -> QuerySet:
    query = SearchQuery(text, config="simple", search_type="websearch")
    similarity = [TrigramWordSimilarity(text, name) for name in names]
    queryset = queryset.annotate(
        search_vector=SearchVector(*words, config="simple"),
        search_similarity=Greatest(*similarity) if len(similarity) > 1 else similarity[0],
    )
    condition = Q(search_vector=query)
    for name in names:
        # "%>" (word similarity above pg_trgm's threshold) and a plain substring, both answered
        # from the trigram indexes where the field has one.
        condition |= Q(**{f"{name}__trigram_word_similar": text}) | Q(_contains(name, text))
    if also is not None:
        condition |= also
    return queryset.filter(condition).annotate(search_rank=SearchRank(F("search_vector"), query))
