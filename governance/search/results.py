"""The search page's answer: per kind, how many records match and the first few of them.

One query per kind (the first rows, each carrying the count of all the matches, so the
matching is done once), plus whatever the kind's selector asks once for the person, plus
one per table whose rows several kinds are found through (the assets and people matching
the words, shared by grants and requests: ``matching.one_search``); none per result,
however many records match.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    groups = []
    with one_search():
        for kind in KINDS:
            count, rows = kind.first(user, text, per_kind)
            groups.append(Group(kind, count, [kind.describe(row) for row in rows]))
    return groups
