"""Free-text search over audit entries: the records' names and the values changed.

On PostgreSQL it is full-text search (the ``simple`` configuration: names and
codes are not English words to be stemmed), every word required; elsewhere
(SQLite in development) a plain case-insensitive contains on both.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast


def search_entries(queryset: QuerySet, text: str) -> QuerySet:
    text = (text or "").strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        vector = SearchVector("object_repr", Cast("changes", TextField()), config="simple")
        return queryset.annotate(search=vector).filter(
            search=SearchQuery(text, config="simple", search_type="websearch")
        )
    return queryset.filter(Q(object_repr__icontains=text) | Q(changes__icontains=text))


def search_words(text: str) -> list[str]:
    """The words a search looked for, to highlight in the entries found (not its operators or exclusions)."""
    words = []
    for word in (text or "").replace('"', " ").split():
        if word.lower() != "or" and not word.startswith("-") and word not in words:
            words.append(word)
    return words[:10]
