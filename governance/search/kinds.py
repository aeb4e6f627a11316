"""The kinds of record the search box finds, each listed through its own domain's selector.

A kind says where its records come from (the same selector its list page and API use, so a
result is shown only to someone that list would show it to), which fields are its names and
references, which are searched by word, and how one result reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.formats import date_format

from governance.access.selectors import visible_grants, visible_requests
from governance.contracts.selectors import visible_contracts
from governance.core.policy import has_oversight
from governance.core.prepared import ROW_BY_ROW, Mode, use_generic
from governance.core.selectors import oversees_any_area
from governance.incidents.selectors import visible_incidents
from governance.register.selectors import visible_assets, visible_data_items, visible_people
from governance.releases.selectors import visible_releases
from governance.search.first_rows import first_matches
from governance.search.item_names import first_by_names
from governance.search.matching import Ranking, matching
from governance.search.statements import first_kept


@dataclass(frozen=True)
class Result:
    """One record as a result reads: its name, where it opens, and a line saying what it is."""

    title: str
    url: str
    detail: str


def _number(prefixes: str) -> Callable[[str], Q | None]:
    """A reference typed as a record's number, with or without its prefix ("INC-00012", "Grant 42", "42")."""
    pattern = re.compile(rf"^\s*(?:(?:{prefixes})[\s#:-]*)?0*(\d{{1,9}})\s*$", re.IGNORECASE)

    def reference(text: str) -> Q | None:
        found = pattern.match(text)
        return Q(pk=int(found.group(1))) if found else None

    return reference


_HAS_DIGIT = re.compile(r"\d")


def _no_reference(text: str) -> Q | None:
    return None


def always(restricted: bool, referenced: bool) -> bool | None:
    return True


def _day(value) -> str:
    return date_format(value, "j F Y")


@dataclass(frozen=True)
class Kind:
    key: str
    singular: str
    plural: str
    records: Callable[[Any], QuerySet]
    names: tuple[str, ...]
    words: tuple[str, ...]
    order: tuple[str, ...]
    describe: Callable[[Any], Result]
    related: tuple[str, ...] = ()
    reference: Callable[[str], Q | None] = field(default=_no_reference)
    by_names: Callable[[QuerySet, str, int, tuple[str, ...]], tuple[int, list] | None] | None = None
    """Its first matches and their count from a summary of its distinct names (``item_names``), where
    that can answer for the person; otherwise the kind's own statement ranks its records one by one."""
    generic_plan: Callable[[bool, bool], Mode] = field(default=lambda restricted, referenced: None)
    """Whether its prepared statement runs on its generic plan (True), planned afresh (False), as
    PostgreSQL chooses (None) or on a generic plan joining row by row (``ROW_BY_ROW``; see
    ``prepared.plan_modes``), given whether the person sees only some of
    its records and whether a number was typed: measured for every role's searches on the seeded
    organisation."""
    generic_for: Callable[[Any], bool] | None = None
    """Whom its statement runs on its generic plan for, whatever ``generic_plan`` says (``plan_for``)."""
    few_first: bool = False
    """Whether, for a text with a digit in it (a reference), a person who sees only some of its records,
    and few, has each checked against the text rather than the candidates looked up through the kind's
    indexes (``statements.first_kept``). References share their prefix and their digits, so one typed
    is like most of them by its trigrams: "SCALE-00012" found 1,100 of 2,000 contracts' references
    (3 to 6 ms) to keep a person's 49. A word's candidates are few, and found faster than checking a
    person's records (1.5 ms for 49 contracts, whose whole text is parsed for each)."""

    def search(self, user, text: str) -> QuerySet:
        """The records of this kind ``user`` may see that ``text`` matches, best first."""
        queryset = self.records(user).select_related(*self.related)
        return matching(queryset, text, names=self.names, words=self.words, order=self.order, also=self.reference(text))

    def first(self, user, text: str, limit: int) -> tuple[int, list]:
        """How many records of this kind ``user`` may see that ``text`` matches, and the first
        ``limit`` of them in ``search``'s order, in one query (on PostgreSQL a statement kept for
        searches of this shape, restricted to what ``records`` gives this person)."""
        visible, also = self.records(user), self.reference(text)
        if self.by_names is not None and also is None:
            found = self.by_names(visible, text, limit, self.related)
            if found is not None:
                return found
        kept = first_kept(
            self.key,
            visible,
            text,
            self.ranking,
            also=also,
            limit=limit,
            generic_plan=self.plan_for(user),
            few_first=self.few_first and _HAS_DIGIT.search(text) is not None,
        )
        if kept is not None:
            return kept
        use_generic(connections[visible.db], False)  # planned for its values, as every statement was
        return first_matches(visible, text, self.ranking, also=also, limit=limit)

    def plan_for(self, user) -> Callable[[bool, bool], Mode]:
        """``generic_plan``, or the generic plan always for the people ``generic_for`` names."""
        if self.generic_for is not None and self.generic_for(user):
            return always
        return self.generic_plan

    @property
    def ranking(self) -> Ranking:
        return Ranking(self.names, self.words, self.order, self.related)


PERSON_NAMES = ("first_name", "last_name")


def _person_fields(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}__{name}" for name in PERSON_NAMES)


KINDS: tuple[Kind, ...] = (
    Kind(
        key="assets",
        generic_plan=always,
        singular="asset",
        plural="assets",
        records=visible_assets,
        names=("name",),
        words=("name", "description"),
        order=("name", "pk"),
        related=("business_area",),
        describe=lambda a: Result(a.name, a.get_absolute_url(), f"Information asset in {a.business_area.name}"),
    ),
    Kind(
        key="items",
        generic_plan=always,
        by_names=first_by_names,
        singular="data item",
        plural="data items",
        records=visible_data_items,
        names=("name",),
        words=("name", "description"),
        order=("asset__name", "name", "pk"),
        related=("asset",),
        describe=lambda i: Result(i.name, i.get_absolute_url(), f"Data item of {i.asset.name}"),
    ),
    Kind(
        key="people",
        # Planned afresh: every member's view of people is restricted (never the system account), and
        # the generic plan joined the matches to all 50,000 people's ids (10 times slower), or to a
        # Deputy SIRO's areas' 1,250 people (6 to 30 times slower). But someone with neither sees only
        # themselves and their line reports: their generic plan answers in 0.1 to 0.3 ms, against 1 to
        # 1.6 ms of planning afresh.
        generic_plan=lambda restricted, referenced: False,
        generic_for=lambda user: not has_oversight(user) and not oversees_any_area(user),
        singular="person",
        plural="people",
        records=visible_people,
        names=(*PERSON_NAMES, "username", "staff_number"),
        words=(*PERSON_NAMES, "username", "staff_number", "email"),
        order=("last_name", "first_name", "pk"),
        related=("business_area",),
        describe=lambda p: Result(
            p.display_name,
            p.get_absolute_url(),
            f"{p.business_area.name if p.business_area else 'No business area'}{'' if p.is_active else ' (left)'}",
        ),
    ),
    Kind(
        key="contracts",
        generic_plan=always,
        few_first=True,
        singular="contract",
        plural="contracts",
        records=visible_contracts,
        names=("reference", "title"),
        words=("reference", "title", "organisation__name"),
        order=("reference", "pk"),
        related=("organisation",),
        describe=lambda c: Result(
            str(c), c.get_absolute_url(), f"Research contract with {c.organisation.name}: {c.get_status_display()}"
        ),
    ),
    Kind(
        key="requests",
        # A request's number: PostgreSQL's own choice was faster than planning afresh for a Deputy SIRO's.
        # Everyone's requests: their generic plan hashed every person and asset, 3 to 5 times slower than
        # planning afresh; joining row by row it is 5 to 10 times faster than that.
        generic_plan=lambda restricted, referenced: None if referenced else (True if restricted else ROW_BY_ROW),
        singular="access request",
        plural="access requests",
        records=visible_requests,
        names=("asset__name", *_person_fields("requester")),
        words=("purpose", "asset__name", *_person_fields("requester")),
        order=("-created_at", "-pk"),
        related=("asset", "requester"),
        reference=_number("request|req"),
        describe=lambda r: Result(
            f"Request {r.pk}: {r.asset.name} for {r.requester.display_name}", r.get_absolute_url(), r.stage
        ),
    ),
    Kind(
        key="grants",
        # A grant's number: the generic plan took twice as long as planning for it. Everyone's grants:
        # their generic plan hashed every person (3 ms for "benefit"), joining row by row 0.4 ms.
        generic_plan=lambda restricted, referenced: False if referenced else (True if restricted else ROW_BY_ROW),
        singular="grant",
        plural="grants",
        records=visible_grants,
        names=("asset__name", *_person_fields("holder")),
        words=("asset__name", *_person_fields("holder")),
        order=("-starts_on", "-pk"),
        related=("asset", "holder"),
        reference=_number("grant"),
        describe=lambda g: Result(
            f"Grant {g.pk}: {g.asset.name} to {g.holder.display_name}",
            g.get_absolute_url(),
            f"{g.get_state_display()}, until {_day(g.ends_on)}",
        ),
    ),
    Kind(
        key="incidents",
        generic_plan=always,
        singular="incident",
        plural="incidents",
        records=visible_incidents,
        names=("title",),
        words=("title", "description"),
        order=("-pk",),
        reference=_number("inc"),
        describe=lambda i: Result(str(i), i.get_absolute_url(), f"Incident: {i.get_state_display()}"),
    ),
    Kind(
        key="releases",
        generic_plan=always,
        singular="release",
        plural="releases",
        records=visible_releases,
        names=("title",),
        words=("title", "summary"),
        order=("-planned_release_date", "-pk"),
        describe=lambda r: Result(
            r.title,
            r.get_absolute_url(),
            f"Statistical release: {r.get_status_display()}, planned for {_day(r.planned_release_date)}",
        ),
    ),
)

BY_KEY = {kind.key: kind for kind in KINDS}
