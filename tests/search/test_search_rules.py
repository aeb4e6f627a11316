"""What the search box finds is, for every role of the role world, what that kind's own list would show.

Each kind lists through its domain's selector; the search only narrows it. For every role (a
superuser and oversight held through a group included), every query's results are among the
selector's records, and a query that every record of a kind matches finds exactly the selector's.
"""

from __future__ import annotations

import pytest

from governance.search.kinds import BY_KEY, KINDS
from tests.core.test_one_rule import viewers  # noqa: F401 - fixture: the role world's people

pytestmark = pytest.mark.django_db

# Words the role world's records hold, references in their forms, and nonsense.
QUERIES = ("Benefit", "claims B", "claim_count", "RES-B", "wrong team", "INC-1", "Request 1", "Grant 2", "1", "T0")

# For each kind, words every record of that kind in the role world matches (checked first); for a
# tuple, every record matches one of its queries.
MATCHING_ALL = {
    "assets": "Benefit claims",
    "items": "claim_count",
    "people": ("T0", "Field"),  # staff by their staff numbers; the researchers (who have none) by name
    "contracts": "RES",
    "requests": "Benefit claims",
    "grants": "Benefit claims",
    "incidents": "wrong team",
    "releases": "Benefit statistics",
}


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_every_result_is_one_the_kinds_selector_lists_for_every_role(viewers):  # noqa: F811
    outside = []
    for role, viewer in viewers.items():
        for kind in KINDS:
            allowed = _ids(kind.records(viewer))
            for text in QUERIES:
                found = _ids(kind.search(viewer, text))
                count, first = kind.first(viewer, text, 5)  # the grouped page's rows and count
                if not found <= allowed or {row.pk for row in first} - allowed or count != len(found):
                    outside.append((role, kind.key, text, found - allowed))
    assert not outside, outside


def test_a_query_every_record_matches_finds_exactly_the_selectors_records(viewers):  # noqa: F811
    superuser = viewers["superuser"]
    differ, compared = [], 0
    for kind in KINDS:
        texts = MATCHING_ALL[kind.key]
        texts = (texts,) if isinstance(texts, str) else texts
        model = kind.records(superuser).model
        everything = set(model.objects.filter(pk__in=kind.records(superuser)).values_list("pk", flat=True))

        def found(viewer, kind=kind, texts=texts) -> set[int]:
            return set().union(*(_ids(kind.search(viewer, text)) for text in texts))

        assert found(superuser) == everything, f"{texts!r} does not match every {kind.singular}"
        for role, viewer in viewers.items():
            listed = _ids(kind.records(viewer))
            compared += bool(listed)
            if found(viewer) != listed:
                differ.append((role, kind.key))
    assert not differ, differ
    assert compared > 60  # most roles see records of most kinds


def test_people_outside_ones_view_are_never_found(viewers):  # noqa: F811
    staff = viewers["staff"]
    other = viewers["auditor"]
    assert not _ids(BY_KEY["people"].search(staff, other.last_name)) & {other.pk}
    assert other.pk in _ids(BY_KEY["people"].search(viewers["superuser"], other.last_name))
