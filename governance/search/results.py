"""The search page's answer: per kind, how many records match and the first few of them.

One query per kind (the first rows, each carrying the count of all the matches, so the
matching is done once), plus whatever the kind's selector asks once for the person, plus
one per table whose rows several kinds are found through (the assets and people matching
the words, shared by grants and requests: ``matching.one_search``); none per result,
however many records match. On PostgreSQL two more, around the kinds whose prepared statements
run on their generic plan (``prepared.plan_modes``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

from governance.core.prepared import plan_modes
from governance.search.kinds import KINDS, Kind, Result
from governance.search.matching import one_search

PER_KIND = 5
MAX_LENGTH = 200


@dataclass(frozen=True)
class Group:
    kind: Kind
    count: int
    results: list[Result]

    @property
    def label(self) -> str:
        """ "1 contract", "3 contracts": the group's heading."""
        return f"{self.count:,} {self.kind.singular if self.count == 1 else self.kind.plural}"


def clean_text(text: str | None) -> str:
    """The words as searched: surrounding space removed, inner space collapsed, length bounded."""
    return " ".join((text or "").split())[:MAX_LENGTH]


def search_everything(user, text: str, per_kind: int = PER_KIND) -> list[Group]:
    """Every kind's matches for ``user``, in the kinds' order; kinds with none are included with 0."""
    text = clean_text(text)
    if not text:
        return []
    found: dict[str, tuple[int, list]] = {}
    # The kinds whose statements run on their generic plan for a person who sees part of their
    # records (most people) first, and those answered from a summary of their names (planned for the
    # words) with those planned afresh, so that the session's plan mode changes as few times as may be.
    with one_search(), plan_modes(connections[DEFAULT_DB_ALIAS]):
        for kind in sorted(
            KINDS, key=lambda kind: kind.by_names is not None or kind.plan_for(user)(True, False) is not True
        ):
            found[kind.key] = kind.first(user, text, per_kind)
    return [Group(kind, found[kind.key][0], [kind.describe(row) for row in found[kind.key][1]]) for kind in KINDS]
