"""Two-person rules: a step one person takes and a second, different person confirms.

Each rule names its two steps and who takes each; the second step's predicate (in the
domain's ``policy.py``) refuses whoever took the first, and when the person who would
normally take the second step took the first (or asked for the record), the next person
in line stands in: the SIRO, then the SIRO's named alternate. The rules themselves are
listed in ``governance/assurance/two_person.py``, read by the policy traceability page
and by the test that checks every rule for every person of the role world.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from governance.core.models import OfficeHolder, User


@dataclass(frozen=True)
class TwoPersonRule:
    """One rule: the record it is about, its two steps and who stands in."""

    key: str
    title: str
    first_step: str  # who takes the first step, in words
    second_step: str  # who takes the second, in words
    stand_in: str  # who takes the second step when its usual person took the first
    may_first: Callable[[Any, Any], bool]  # (person, record): may this person take the first step?
    as_done_first: Callable[[Any, Any], Any]  # (record, person): the record as it is once they took it
    may_second: Callable[[Any, Any], bool]  # (person, record): the second step's policy predicate
    test: str  # the test that proves it


def office_holder(office: str) -> User | None:
    row = OfficeHolder.objects.filter(office=office).select_related("holder").first()
    return row.holder if row is not None and row.holder.is_active else None


def stand_ins() -> Iterator[User | None]:
    """Who stands in, in order, where nobody else may: the SIRO, then the SIRO's named alternate
    (each looked up only when the one before cannot stand in)."""
    yield office_holder(OfficeHolder.Office.SIRO)
    yield office_holder(OfficeHolder.Office.SIRO_ALTERNATE)


def second_person(candidates: Iterable[User | None], *, excluding: Iterable[int | None]) -> User | None:
    """The first active candidate who took no part in the first step (nor asked for the record)."""
    excluded = {pk for pk in excluding if pk is not None}
    for candidate in candidates:
        if candidate is not None and candidate.is_active and candidate.pk not in excluded:
            return candidate
    return None


def is_person(user: Any, person: User | None) -> bool:
    return person is not None and user.pk == person.pk
