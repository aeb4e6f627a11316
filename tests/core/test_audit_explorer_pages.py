"""The audit explorer's pages: previous and next without counting the trail, the count on request, and
the same queries whatever the trail's size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.core.audit import acting_as
from governance.core.models import BusinessArea
from tests.factories import BusinessAreaFactory, UserFactory


def _renames(count: int, prefix: str = "Renamed") -> None:
    """``count`` events, each one entry: a business area renamed ``count`` times."""
    with acting_as(UserFactory()):
        area = BusinessAreaFactory()
        for n in range(count):
            area.name = f"{prefix} {n}"
            area.save()


def test_pages_go_previous_and_next_without_a_count(verified_client, auditor):
    _renames(60)
    client = verified_client(auditor)
    first = client.get("/audit/?record=Renamed")
    page = first.content.decode()
    assert len(first.context["rows"]) == 50
    assert "Events 1 to 50, newest first" in page
    assert "Page 1<" in page and " of " not in page.split("Page 1", 1)[1][:10]
    assert 'rel="next"' in page and 'rel="prev"' not in page
    assert "Count the events" in page
    second = client.get("/audit/?record=Renamed&page=2")
    page = second.content.decode()
    assert "Events 51 to 60, newest first" in page
    assert len(second.context["rows"]) == 10
    assert 'rel="prev"' in page and 'rel="next"' not in page
    # The newest first: page two holds the oldest renames, none of page one's.
    assert {row.key for row in first.context["rows"]}.isdisjoint(row.key for row in second.context["rows"])
    said = " ".join(event.text for event in second.context["rows"])
    assert "Renamed 0" in said and "Renamed 59" not in said


@pytest.mark.parametrize("page", ["3", "0", "-1", "last", "two"])
def test_a_page_past_the_end_or_not_a_number_is_not_found(verified_client, auditor, page):
    _renames(60)
    assert verified_client(auditor).get(f"/audit/?record=Renamed&page={page}").status_code == 404


def test_the_count_is_given_on_request_and_capped(verified_client, auditor, monkeypatch):
    _renames(60)
    client = verified_client(auditor)
    assert "60 events" in client.get("/audit/?record=Renamed&count=1").content.decode()
    monkeypatch.setattr("governance.core.views.audit.COUNT_CAP", 40)
    page = client.get("/audit/?record=Renamed&count=1&page=2").content.decode()
    assert "More than 40 events" in page and "Events 51 to 60" not in page
    assert "page=1" in page and "count=1" in page  # the pages keep the count asked for


def test_one_page_needs_no_count_and_no_pagination(verified_client, auditor):
    _renames(3)
    page = verified_client(auditor).get("/audit/?record=Renamed").content.decode()
    assert "Events 1 to 3, newest first" in page
    assert "Count the events" not in page and 'rel="next"' not in page


def test_filters_that_match_nothing_say_so(verified_client, auditor):
    page = verified_client(auditor).get("/audit/?record=Nothing+by+this+name").content.decode()
    assert "No events" in page and "No entries match." in page


def test_the_same_queries_for_a_small_and_a_large_trail(verified_client, auditor):
    """The page's queries do not grow with the trail: no count, the heads and their entries read by index.

    The newest page is alike at both sizes (55 renames); only the trail behind it grows.
    """
    client = verified_client(auditor)
    counts = []
    for size in (10, 150):
        _renames(size, prefix=f"Older {size}")
        _renames(55, prefix=f"Newer {size}")
        client.get("/audit/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/audit/")
        assert response.status_code == 200
        assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert BusinessArea.objects.count() >= 2
